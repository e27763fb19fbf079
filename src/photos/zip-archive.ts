import { basename } from 'node:path';
import yauzl from 'yauzl';
import { ImportSourceError, classifySourceFsError } from './import-source-error';

/**
 * Every name of a dump is held in memory and sorted (the import's cursor space); a central directory that claims
 * more entries than any photo dump has is refused before it is walked.
 */
export const MAX_ZIP_ENTRIES = 100_000;

/** Unix file type bits of an entry's external attributes (upper 16 bits when made on Unix): a symbolic link. */
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** "Version made by" hosts whose external attributes carry a Unix mode: 3 Unix, 19 OS X (APPNOTE 4.4.2). */
const UNIX_HOSTS = new Set([3, 19]);

export interface ZipListing {
  zip: yauzl.ZipFile;
  /** The files to import by name; folders and dot-files (`.DS_Store`, `__MACOSX/._x`) are left out. */
  files: Map<string, yauzl.Entry>;
}

/**
 * Why an entry makes the whole archive unusable: a name that would land outside the import folder when unpacked
 * (`../x`, `/etc/x`, `C:x` — "zip slip"), or a symbolic link. gatesync never unpacks to disk, but such an
 * archive was not made by exporting a folder of photos, so it is refused rather than partly imported.
 */
export function zipEntryProblem(
  name: string,
  entry: Pick<yauzl.Entry, 'versionMadeBy' | 'externalFileAttributes'>,
): ImportSourceError | null {
  if (name.includes('\0'))
    return new ImportSourceError('entryOutsideFolder', `entry ${JSON.stringify(name)} has a NUL in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    return new ImportSourceError('entryOutsideFolder', `entry ${JSON.stringify(name)} is an absolute path`);
  }
  if (name.split('/').includes('..')) {
    return new ImportSourceError('entryOutsideFolder', `entry ${JSON.stringify(name)} points outside the folder (..)`);
  }
  const mode = entry.externalFileAttributes >>> 16;
  if (UNIX_HOSTS.has(entry.versionMadeBy >> 8) && (mode & S_IFMT) === S_IFLNK) {
    return new ImportSourceError('linkEntry', `entry ${JSON.stringify(name)} is a symbolic link`);
  }
  return null;
}

const corrupt = (e: unknown) =>
  new ImportSourceError('corruptArchive', `the zip cannot be read: ${e instanceof Error ? e.message : String(e)}`);

const OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  // Names are decoded here (below) so that a bad one is classified with its reason, not yauzl's bare error.
  decodeStrings: false,
  validateEntrySizes: true,
};

function open(source: { path: string } | { buffer: Buffer }): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => {
      if (err !== null || zip === undefined) {
        // An error with an errno code is the file's (missing, permissions); anything else is the archive's.
        const fsError = err !== null && 'code' in err ? classifySourceFsError(err, 'the uploaded zip') : undefined;
        reject(fsError ?? corrupt(err ?? 'no archive'));
      } else resolve(zip);
    };
    if ('path' in source) yauzl.open(source.path, OPTIONS, done);
    else yauzl.fromBuffer(source.buffer, OPTIONS, done);
  });
}

function readDirectory(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, yauzl.Entry>();
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const problem = zipEntryProblem(name, entry);
      if (problem !== null) return reject(problem);
      if (!name.endsWith('/') && !basename(name).startsWith('.')) files.set(name, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(files));
    zip.on('error', (e: unknown) => reject(corrupt(e)));
    zip.readEntry();
  });
}

/**
 * Opens a zip and reads its whole central directory, checking every entry: throws ImportSourceError for a corrupt
 * archive, an entry outside the folder, a link, or too many entries. No entry is decompressed, so the API can
 * run it on an upload before accepting it. The zip stays open for reading entries; the caller closes it.
 */
export async function openZipListing(source: { path: string } | { buffer: Buffer }): Promise<ZipListing> {
  const zip = await open(source);
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES) {
      throw new ImportSourceError(
        'tooManyEntries',
        `the zip has ${zip.entryCount} entries, more than the ${MAX_ZIP_ENTRIES} an import takes`,
      );
    }
    return { zip, files: await readDirectory(zip) };
  } catch (e) {
    zip.close();
    throw e;
  }
}

/** The upload check: the archive is whole and every entry acceptable; returns how many files it holds. */
export async function checkZipArchive(buffer: Buffer): Promise<number> {
  const { zip, files } = await openZipListing({ buffer });
  zip.close();
  return files.size;
}
