import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createDeps, serviceAddresses } from '../deps';
import { createApp } from './app';
import { buildApiDeps } from './build-deps';

/** `npm run api`: the HTTP API against external services. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gatesync-api');
  const deps = await createDeps(config, serviceAddresses(config, 'api'));
  const app = createApp(buildApiDeps({ config, ...deps, token: config.api.token as string, logger }));
  const server = app.listen(config.api.port, config.api.host, () => logger.info({ port: config.api.port }, 'API listening'));
  const stop = () => {
    server.close(() => {
      void deps.close().then(() => process.exit(0));
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
