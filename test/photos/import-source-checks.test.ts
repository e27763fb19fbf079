import { describe, expect, it } from 'vitest';
import { isWithin } from '../../src/photos/import-paths';
import { zipEntryProblem } from '../../src/photos/zip-archive';

/** Made on Unix (APPNOTE 4.4.2 host 3) with a regular file's mode, as `zip` and yazl write entries. */
const UNIX_FILE = { versionMadeBy: (3 << 8) | 63, externalFileAttributes: (0o100644 << 16) >>> 0 };

describe('photo dump checks', () => {
  it.each([
    ['../evil.jpg', 'entryOutsideFolder'],
    ['photos/../../evil.jpg', 'entryOutsideFolder'],
    ['/etc/evil.jpg', 'entryOutsideFolder'],
    ['C:evil.jpg', 'entryOutsideFolder'],
    ['evil\0.jpg', 'entryOutsideFolder'],
  ])('given a zip entry named %j, should refuse the archive (%s)', (name, problem) => {
    expect(zipEntryProblem(name, UNIX_FILE)?.problem).toBe(problem);
  });

  it('given an entry with the symbolic-link mode, should refuse it; a DOS entry’s upper attribute bits mean nothing', () => {
    const link = { ...UNIX_FILE, externalFileAttributes: (0o120777 << 16) >>> 0 };
    expect(zipEntryProblem('12345678.jpg', link)?.problem).toBe('linkEntry');
    expect(zipEntryProblem('12345678.jpg', { ...link, versionMadeBy: 20 })).toBeNull();
  });

  it('should accept the names an exported folder of photos has', () => {
    for (const name of ['12345678.jpg', 'intake 2026/12345678.png', 'a..b/12345678.jpg', 'sub/']) {
      expect(zipEntryProblem(name, UNIX_FILE)).toBeNull();
    }
  });

  it('should tell a path inside a folder from one that only shares its prefix', () => {
    expect(isWithin('/srv/dumps/intake/x.jpg', '/srv/dumps')).toBe(true);
    expect(isWithin('/srv/dumps', '/srv/dumps')).toBe(true);
    expect(isWithin('/srv/dumps-old/x.jpg', '/srv/dumps')).toBe(false);
    expect(isWithin('/etc/passwd', '/srv/dumps')).toBe(false);
  });
});
