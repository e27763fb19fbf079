/**
 * Why a photo dump cannot be imported at all. Each is permanent: the same archive or folder fails the same way on
 * every attempt, so the import fails at once with this reason instead of being retried.
 */
export type ImportSourceProblem =
  | 'corruptArchive'
  | 'entryOutsideFolder'
  | 'linkEntry'
  | 'tooManyEntries'
  | 'sourceMissing'
  | 'notAFolder'
  | 'sourceUnreadable'
  | 'outsideRoot';

export class ImportSourceError extends Error {
  constructor(
    readonly problem: ImportSourceProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ImportSourceError';
  }
}

/**
 * A file-system error on the dump itself, classified: missing, not a folder, no permission, a link loop are the
 * operator's to fix and are permanent; anything else (EMFILE, EIO on a network share) is returned as it was, so it
 * is retried.
 */
export function classifySourceFsError(e: unknown, what: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new ImportSourceError('sourceMissing', `${what} does not exist (any more)`);
    case 'ENOTDIR':
      return new ImportSourceError('notAFolder', `${what} is not a folder`);
    case 'EACCES':
    case 'EPERM':
      return new ImportSourceError('sourceUnreadable', `${what} cannot be read: permission denied`);
    case 'ELOOP':
      return new ImportSourceError('sourceUnreadable', `${what} cannot be read: a loop of symbolic links`);
    default:
      return e;
  }
}
