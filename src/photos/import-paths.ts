import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { ImportSourceError } from './import-source-error';

/** `path` is `dir` or below it; both must be real paths (links resolved), or a lexical check is all this is. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/**
 * The real path of a requested import folder, which must be a folder inside the import root once every symbolic
 * link on the way is resolved: `root/dump` linking to `/etc` is outside, however it is spelled. Throws
 * ImportSourceError (the API answers 400 with its message).
 */
export async function resolveImportFolder(root: string, requested: string): Promise<string> {
  const realRoot = await realpath(resolve(root)).catch(() => {
    throw new ImportSourceError('sourceMissing', 'the import root (PHOTO_IMPORT_ROOT) does not exist on the server');
  });
  const lexical = isAbsolute(requested) ? resolve(requested) : resolve(realRoot, requested);
  const outside = new ImportSourceError('outsideRoot', `folder must be inside ${realRoot}`);
  // Checked before touching the disk, so the API tells nothing about paths outside the root.
  if (!isWithin(lexical, realRoot) && !isWithin(lexical, resolve(root))) throw outside;
  const real = await realpath(lexical).catch(() => null);
  if (real === null) throw new ImportSourceError('sourceMissing', `${requested} is not a folder`);
  if (!isWithin(real, realRoot))
    throw new ImportSourceError('outsideRoot', `${requested} leads outside ${realRoot} through a symbolic link`);
  if (!(await stat(real)).isDirectory()) throw new ImportSourceError('notAFolder', `${requested} is not a folder`);
  return real;
}
