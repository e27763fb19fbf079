import { resolveTemporalBinary } from './temporal-binary';

// `npm run temporal:binary`: obtains and caches the Temporal CLI, printing where it is.
const result = resolveTemporalBinary();
process.stdout.write(`${result.path ?? '(SDK download at first use)'}  [${result.source}]\n`);
