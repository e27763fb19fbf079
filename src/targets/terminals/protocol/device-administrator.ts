import type { UserInfo } from './types';

/**
 * A user who administers the terminal itself (`localUIRight`, reference §2.4): the site's, never gatesync's to
 * remove. Read tolerantly — firmwares write booleans as text — and a `userType` of admin counts too although §2.4
 * does not list it, because mistaking an administrator for a plain user would lock the site out of its terminal.
 */
export function isDeviceAdministrator(u: UserInfo): boolean {
  const right: unknown = u.localUIRight;
  if (
    right === true ||
    right === 1 ||
    (typeof right === 'string' && ['true', '1'].includes(right.trim().toLowerCase()))
  )
    return true;
  return typeof u.userType === 'string' && /^admin(istrator)?$/i.test(u.userType);
}
