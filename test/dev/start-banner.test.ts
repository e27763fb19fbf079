import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminToken } from '../../src/dev/admin-token';
import { startBanner, type RunningStack } from '../../src/dev/start-banner';

/** `npm start`'s banner (src/dev/start.ts prints exactly this) and where its admin token comes from. */
describe('npm start: the admin token in the banner', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatesync-banner-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const banner = (token: RunningStack['token']) =>
    startBanner({
      apiUrl: 'http://127.0.0.1:3000',
      temporalUiUrl: 'http://127.0.0.1:8233',
      temporalAddress: '127.0.0.1:7233',
      namespace: 'default',
      hikCentralUrl: 'http://127.0.0.1:9016',
      hikCentralSimulated: true,
      terminals: [],
      devicesUrl: 'mqtt://127.0.0.1:1883',
      devices: null,
      token,
      importRoot: join(dataDir, 'photo-dumps'),
    });

  it('given GATESYNC_API_TOKEN, should not print the token anywhere and should not write it to the data dir', () => {
    const supplied = 'users-own-token-4e9b1c77d2a0';
    const token = adminToken(supplied, dataDir);
    expect(token).toEqual({ value: supplied, source: 'supplied' });
    const text = banner(token);
    expect(text).not.toContain(supplied);
    expect(text).toContain('$GATESYNC_API_TOKEN');
    expect(() => statSync(join(dataDir, 'admin-token'))).toThrow();
  });

  it('given no token, should generate one, keep it owner-only, print it, and print the same one after a restart', () => {
    const first = adminToken(undefined, dataDir);
    expect(first.source).toBe('generated');
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(banner(first)).toMatch(new RegExp(`Admin token\\s+${first.value}\\n`));
    expect(banner(first)).toContain(`Bearer ${first.value}`);
    const again = adminToken(undefined, dataDir);
    expect(again).toEqual({ value: first.value, source: 'kept' });
    expect(banner(again)).toContain(first.value);
  });
});
