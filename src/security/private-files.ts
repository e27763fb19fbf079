import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';

/**
 * Files under the data dir that hold people (photos, zips of photos, workflow histories, simulator state) or
 * secrets (admin token, sealing key, device secrets) are readable by their owner only. Modes are set
 * explicitly, not left to the umask: `mode` on create is masked by it, and an existing file or folder keeps
 * whatever mode it had, so both are chmod-ed after the call.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
/** A folder others may pass through but not list (see `ensurePrivateDirSync`'s `traversable`). */
const TRAVERSE_ONLY_DIR_MODE = 0o711;

/** The folder (and any missing parents) exists, owner-only. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * `traversable`: others may reach a path below it they know, but not list it; for a data dir whose embedded
 * PostgreSQL cluster runs as another user (src/dev/embedded-postgres.ts: as `postgres` when gatesync is root).
 */
export function ensurePrivateDirSync(dir: string, opts: { traversable?: boolean } = {}): void {
  const mode = opts.traversable === true ? TRAVERSE_ONLY_DIR_MODE : PRIVATE_DIR_MODE;
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, mode);
}

export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
}

export function writePrivateFileSync(path: string, data: string | Buffer): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}
