import { createHash } from 'node:crypto';

/**
 * What travels instead of a secret code. The seed fixes one rule: a visitor's `pass` is the MD5 of its 3-digit
 * random password (seed "访客设计", digest §17); remote-open and app-scan codes are an "MD5 encrypted string"
 * (§11, §12). The employee `pass` scheme is "agreed between app and device" (§1); this project agrees on the
 * same MD5 lowercase hex for all of them. MD5 of a short PIN is not secret against brute force — the seed's
 * scheme, not ours to strengthen without changing the devices.
 */
export function passDigest(code: string): string {
  return createHash('md5').update(code, 'utf8').digest('hex');
}
