import { readFileSync } from 'node:fs';
import type { HikCentralConfig } from '../../../config';
import { HikCentralClient } from './client';

/** Builds the client from validated config; `url` is the real HCP or the simulator. */
export function createHikCentralClient(config: HikCentralConfig, url: string): HikCentralClient {
  return new HikCentralClient({
    baseUrl: url,
    appKey: config.appKey,
    appSecret: config.appSecret,
    timeoutMs: config.timeoutMs,
    ca: config.caFile !== undefined ? readFileSync(config.caFile) : undefined,
    insecureTls: config.insecureTls,
    photoRejectedCodes: config.photoRejectedCodes,
  });
}
