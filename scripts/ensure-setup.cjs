#!/usr/bin/env node
// First step of `npm start`, `npm test` and `npm run bench` on a fresh clone: installs dependencies
// when they are missing or older than the lockfile, then obtains the Temporal CLI binary. Each step
// that fails says which one and why, and stops with its exit code.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const step = (name, cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : r.signal !== null ? `killed by ${r.signal}` : `exit ${r.status}`;
    console.error(`\n[setup] ${name} failed: ${cmd} ${args.join(' ')} (${why})\n`);
    process.exit(r.status || 1);
  }
};

const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.error('[setup] installing dependencies (npm ci)…');
  step('install dependencies', 'npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}
step('obtain the Temporal CLI', join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'dev', 'temporal-binary-main.ts')]);
