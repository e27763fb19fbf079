import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger';

/** A gatesync logger (the real serializers) whose lines are kept in memory, for tests that grep the log. */
export function memoryLogger(): { logger: Logger; text: () => string; clear: () => void } {
  let lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: createLogger('debug', 'gatesync-test', stream),
    text: () => lines.join(''),
    clear: () => (lines = []),
  };
}
