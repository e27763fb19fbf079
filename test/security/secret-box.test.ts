import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SecretBox, parseSecretKey } from '../../src/security/secret-box';

describe('SecretBox (AES-256-GCM for terminal passwords at rest)', () => {
  it('should seal to text without the secret, differently each time, and open it again', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('Terminal-pass-42');
    const b = box.seal('Terminal-pass-42');
    expect(a).not.toContain('Terminal-pass-42');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\./);
    expect(box.open(a)).toBe('Terminal-pass-42');
  });

  it('should refuse a wrong key and a tampered value instead of returning garbage', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('secret');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/wrong GATESYNC_SECRET_KEY or a tampered value/);
    const box = new SecretBox(Buffer.alloc(32, 1));
    const parts = box.seal('secret').split('.');
    parts[3] = Buffer.from('XXXXXX').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/tampered/);
    expect(() => box.open('plain-text')).toThrow(/not a sealed secret/);
  });

  it('should take a key as 64 hex characters or base64 of 32 bytes, and nothing else', () => {
    expect(parseSecretKey('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(parseSecretKey(Buffer.alloc(32, 9).toString('base64'))).toEqual(Buffer.alloc(32, 9));
    expect(() => parseSecretKey('short')).toThrow(/32 bytes/);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
