import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { CaptureStore } from '../../src/db/repositories/devices/capture-store';
import { SimulatorState } from '../../src/targets/hikcentral/simulator/state';
import { ensurePrivateDir, writePrivateFile } from '../../src/security/private-files';

/** Every writer of people's photos or state under the data dir: files 0600, folders 0700. */
describe('files under the data dir that hold people', () => {
  let dataDir: string;
  const mode = (p: string) => statSync(p).mode & 0o777;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatesync-modes-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('given a device capture (a face snapshot), should store it 0600 in 0700 folders', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const { key } = await CaptureStore.inDataDir(dataDir).put(jpeg);
    const root = join(dataDir, 'device-captures');
    const shard = join(root, key.slice(0, 2));
    expect(mode(root)).toBe(0o700);
    expect(mode(shard)).toBe(0o700);
    expect(readdirSync(shard)).toEqual([key]);
    expect(mode(join(shard, key))).toBe(0o600);
  });

  it('given the HikCentral simulator keeping people in the data dir, should write its state file 0600', () => {
    const stateFile = join(dataDir, 'hikcentral-sim.json');
    const state = new SimulatorState([{ orgIndexCode: '1', orgName: 'U', parentOrgIndexCode: '0' }], [], stateFile);
    state.add(
      { personCode: '1311112222', personGivenName: 'Ana', personFamilyName: 'Loor', orgIndexCode: '1' } as never,
      undefined,
    );
    expect(mode(stateFile)).toBe(0o600);
  });

  it('given a folder and a file an earlier version left 0755/0644, should tighten both', async () => {
    const dir = join(dataDir, 'imports');
    mkdirSync(dir, { mode: 0o755 });
    const file = join(dir, 'a.zip');
    writeFileSync(file, 'x', { mode: 0o644 });
    await ensurePrivateDir(dir);
    await writePrivateFile(file, 'y');
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });
});
