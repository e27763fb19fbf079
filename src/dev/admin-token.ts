import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFileSync } from '../security/private-files';

export interface AdminToken {
  value: string;
  /** `supplied`: the user's GATESYNC_API_TOKEN, which gatesync never prints; otherwise gatesync made it. */
  source: 'supplied' | 'generated' | 'kept';
}

/**
 * The API's admin token for `npm start`: GATESYNC_API_TOKEN when set, else one generated once and kept in the
 * data dir (owner-only), so it stays the same across restarts.
 */
export function adminToken(supplied: string | undefined, dataDir: string): AdminToken {
  if (supplied !== undefined) return { value: supplied, source: 'supplied' };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), source: 'kept' };
  const value = randomBytes(24).toString('base64url');
  writePrivateFileSync(file, `${value}\n`);
  return { value, source: 'generated' };
}
