import { resolveTemporalBinary } from './temporal-binary';

// `npm run temporal:binary`: obtains and caches the Temporal CLI, printing where it is.
try {
  const result = resolveTemporalBinary();
  process.stdout.write(`${result.path ?? '(SDK download at first use)'}  [${result.source}]\n`);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
