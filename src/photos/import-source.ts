import type { Dirent } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type yauzl from 'yauzl';

import type { ImportSource } from '../contracts';
import { ImportSourceError, classifySourceFsError } from './import-source-error';
import { isWithin } from './import-paths';
import { openZipListing } from './zip-archive';
export type { ImportSource };

/** A file over this size is reported as unreadable, not read. */
const MAX_FILE_BYTES = 25 * 1024 * 1024;

/**
 * Every file below `dir`, by relative name. Symbolic links are listed, not followed: reading one checks where it
 * leads (`readFolderFile`), so a link cannot take the import outside its folder, nor loop.
 */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw classifySourceFsError(e, prefix === '' ? 'the import folder' : `folder ${prefix}`);
  }
  const out: string[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const rel = prefix === '' ? d.name : `${prefix}/${d.name}`;
    if (d.isDirectory()) out.push(...(await walk(join(dir, d.name), rel)));
    else if (d.isFile() || d.isSymbolicLink()) out.push(rel);
  }
  return out;
}

/**
 * The import folder as the API resolved it: its real path, inside the import root. A folder that now resolves
 * elsewhere (a path component replaced by a link since) is refused rather than followed.
 */
async function openFolder(path: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    throw classifySourceFsError(e, 'the import folder');
  }
  if (real !== path)
    throw new ImportSourceError('outsideRoot', 'the import folder is now reached through a symbolic link');
  if (!(await stat(real)).isDirectory()) throw new ImportSourceError('notAFolder', 'the import folder is not a folder');
  return real;
}

/** One file of the folder, or why it is not read: a link leading outside the folder is refused, not followed. */
async function readFolderFile(folder: string, name: string): Promise<Buffer | Error> {
  try {
    const real = await realpath(join(folder, name));
    if (!isWithin(real, folder)) return new Error('a symbolic link to outside the import folder; not read');
    const st = await stat(real);
    if (!st.isFile()) return new Error('not a regular file');
    return st.size > MAX_FILE_BYTES ? oversize(st.size) : await readFile(real);
  } catch (e) {
    return new Error(`cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** An import source opened for one batch: the sorted file list, and reads of named files. */
export interface OpenImportSource {
  /** Every file of the source, sorted by name: the import's stable order and cursor space. */
  readonly names: string[];
  /** Reads the files named, in order; one over the size limit, or that cannot be read, comes back as an error. */
  read(names: string[]): Promise<Map<string, Buffer | Error>>;
  close(): void;
}

const oversize = (size: number) => new Error(`file is ${size} bytes, over ${MAX_FILE_BYTES}`);

/**
 * Opens the folder or zip once: a zip's central directory is read (and every entry checked) here and its entries
 * reused for every read of the batch, instead of once per chunk. Throws ImportSourceError when the source cannot
 * be imported at all.
 */
export async function openImportSource(source: ImportSource): Promise<OpenImportSource> {
  if (source.kind === 'folder') {
    const folder = await openFolder(source.path);
    return {
      names: (await walk(folder)).sort(),
      async read(names) {
        const out = new Map<string, Buffer | Error>();
        for (const name of names) out.set(name, await readFolderFile(folder, name));
        return out;
      },
      close() {},
    };
  }
  const { zip, files } = await openZipListing({ path: source.path });
  return {
    names: [...files.keys()].sort(),
    async read(names) {
      const out = new Map<string, Buffer | Error>();
      for (const name of names) {
        const entry = files.get(name);
        if (entry === undefined) continue;
        out.set(
          name,
          entry.uncompressedSize > MAX_FILE_BYTES ? oversize(entry.uncompressedSize) : await readZipEntry(zip, entry),
        );
      }
      return out;
    },
    close: () => zip.close(),
  };
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
