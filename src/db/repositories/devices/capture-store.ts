import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../../../security/private-files';

/**
 * Snapshot images of `access_capture` (§13) live on disk under the data dir, content-addressed, so the database
 * row stays small and a re-sent capture is written once. The row keeps the key, size and type. Captures are
 * people's faces: files and folders are owner-only.
 */
export class CaptureStore {
  constructor(private readonly root: string) {}

  /** The store of a deployment: `<dataDir>/device-captures`, where the gateway writes and the API reads. */
  static inDataDir(dataDir: string): CaptureStore {
    return new CaptureStore(join(dataDir, 'device-captures'));
  }

  /** Stores the bytes and returns their key (`<sha256>.<ext>`). */
  async put(data: Buffer): Promise<{ key: string; contentType: string; bytes: number }> {
    const sha = createHash('sha256').update(data).digest('hex');
    const { ext, contentType } = sniff(data);
    const key = `${sha}.${ext}`;
    const dir = join(this.root, sha.slice(0, 2));
    await ensurePrivateDir(this.root);
    await ensurePrivateDir(dir);
    const tmp = join(dir, `.${key}.${process.pid}.tmp`);
    await writePrivateFile(tmp, data);
    await rename(tmp, join(dir, key));
    return { key, contentType, bytes: data.length };
  }

  async get(key: string): Promise<Buffer | null> {
    if (!/^[0-9a-f]{64}\.(jpg|png|bin)$/.test(key)) return null;
    try {
      return await readFile(join(this.root, key.slice(0, 2), key));
    } catch {
      return null;
    }
  }
}

function sniff(data: Buffer): { ext: string; contentType: string } {
  if (data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return { ext: 'jpg', contentType: 'image/jpeg' };
  if (data.length > 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { ext: 'png', contentType: 'image/png' };
  }
  return { ext: 'bin', contentType: 'application/octet-stream' };
}
