import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * CI lands on `npm test`'s exit code. A package hook once answered `beforeExit` with process.exit(0)
 * and turned a run with failed tests into a green one; this runs a failing test under the same
 * global setup (real PostgreSQL and Temporal) and expects the run to fail.
 */
describe('the test run exit code', () => {
  it('should be non-zero when a test fails', () => {
    const root = join(__dirname, '..', '..');
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
      timeout: 240_000,
    });
    expect(r.stdout + r.stderr).toMatch(/fails on purpose/);
    expect(r.status).toBe(1);
  }, 300_000);
});
