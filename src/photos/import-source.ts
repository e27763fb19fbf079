import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import yauzl from 'yauzl';

import type { ImportSource } from '../workflows/contracts';
export type { ImportSource };

/** A file over this size is reported as unreadable, not read. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const rel = prefix === '' ? d.name : `${prefix}/${d.name}`;
    if (d.isDirectory()) out.push(...(await walk(join(dir, d.name), rel)));
    else if (d.isFile()) out.push(rel);
  }
  return out;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zip) =>
      err || zip === undefined ? reject(err ?? new Error('cannot open zip')) : resolve(zip),
    ),
  );
}

/** Reads the central directory of an open zip (the zip stays open for reading entries). */
function zipEntries(zip: yauzl.ZipFile): Promise<Array<{ name: string; entry: yauzl.Entry }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ name: string; entry: yauzl.Entry }> = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('/') && !basename(entry.fileName).startsWith('.')) out.push({ name: entry.fileName, entry });
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** An import source opened for one batch: the sorted file list, and reads of named files. */
export interface OpenImportSource {
  /** Every file of the source, sorted by name: the import's stable order and cursor space. */
  readonly names: string[];
  /** Reads the files named, in order; a file over the size limit comes back as an error. */
  read(names: string[]): Promise<Map<string, Buffer | Error>>;
  close(): void;
}

const oversize = (size: number) => new Error(`file is ${size} bytes, over ${MAX_FILE_BYTES}`);

/**
 * Opens the folder or zip once: a zip's central directory is read here and its entries reused for
 * every read of the batch, instead of once per chunk.
 */
export async function openImportSource(source: ImportSource): Promise<OpenImportSource> {
  if (source.kind === 'folder') {
    return {
      names: (await walk(source.path)).sort(),
      async read(names) {
        const out = new Map<string, Buffer | Error>();
        for (const name of names) {
          const p = join(source.path, name);
          const size = (await stat(p)).size;
          out.set(name, size > MAX_FILE_BYTES ? oversize(size) : await readFile(p));
        }
        return out;
      },
      close() {},
    };
  }
  const zip = await openZip(source.path);
  try {
    const entries = new Map((await zipEntries(zip)).map((e) => [e.name, e.entry]));
    return {
      names: [...entries.keys()].sort(),
      async read(names) {
        const out = new Map<string, Buffer | Error>();
        for (const name of names) {
          const entry = entries.get(name);
          if (entry === undefined) continue;
          out.set(name, entry.uncompressedSize > MAX_FILE_BYTES ? oversize(entry.uncompressedSize) : await readZipEntry(zip, entry));
        }
        return out;
      },
      close: () => zip.close(),
    };
  } catch (e) {
    zip.close();
    throw e;
  }
}

function readZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer | Error> {
  return new Promise((resolve) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || stream === undefined) return resolve(err ?? new Error('cannot read entry'));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', (e) => resolve(e));
    });
  });
}

const PHOTO_NAME = /^([0-9A-Za-z]{4,16})\.(jpe?g|png|webp|avif)$/i;

/** `<ci>.jpg|jpeg|png|webp|avif` → the ci; anything else is not a photo of a person. */
export function ciFromFileName(name: string): string | null {
  return PHOTO_NAME.exec(basename(name))?.[1] ?? null;
}
