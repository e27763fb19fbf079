import { describe, expect, it } from 'vitest';
import {
  DigestSession,
  computeDigestResponse,
  parseAuthParams,
  parseDigestChallenge,
} from '../../../src/targets/terminals/protocol/digest-auth';

/** RFC 2617 §3.5 example, as recomputed in reference §2.1. */
const RFC2617 = {
  username: 'Mufasa',
  realm: 'testrealm@host.com',
  password: 'Circle Of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  nc: '00000001',
  cnonce: '0a4f113b',
  qop: 'auth' as const,
};

/** The NVR challenge from reference §2.1 (maciej-or/hikvision_next#50), with concrete values. */
const HIK_CHALLENGE =
  'Digest realm="a1b2c3d4e5f60718293a4b5c6d7e8f90", domain="::", qop="auth", ' +
  'nonce="4e6a6b7a4d5451:1717171717171", opaque="", algorithm="MD5", stale="FALSE"';

describe('digest response (RFC 2617 §3.2.2.1)', () => {
  it('should reproduce the RFC 2617 §3.5 vector', () => {
    expect(computeDigestResponse(RFC2617)).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('should give a different response for a wrong password, uri, nc or method (negative controls)', () => {
    const good = computeDigestResponse(RFC2617);
    expect(computeDigestResponse({ ...RFC2617, password: 'Circle of Life' })).not.toBe(good);
    expect(computeDigestResponse({ ...RFC2617, uri: '/dir/index.htm' })).not.toBe(good);
    expect(computeDigestResponse({ ...RFC2617, nc: '00000002' })).not.toBe(good);
    expect(computeDigestResponse({ ...RFC2617, method: 'POST' })).not.toBe(good);
  });
});

describe('challenge parsing', () => {
  it('should read realm, nonce (with its colon), empty opaque, qop and a capitalised stale flag', () => {
    expect(parseDigestChallenge(HIK_CHALLENGE)).toEqual({
      realm: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      nonce: '4e6a6b7a4d5451:1717171717171',
      opaque: '',
      qop: ['auth'],
      algorithm: 'MD5',
      stale: false,
      domain: '::',
    });
    expect(parseDigestChallenge(HIK_CHALLENGE.replace('"FALSE"', '"TRUE"'))?.stale).toBe(true);
  });

  it('should pick the Digest challenge among several and ignore Basic', () => {
    expect(parseDigestChallenge(['Basic realm="x"', HIK_CHALLENGE])?.realm).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge(undefined)).toBeUndefined();
  });

  it('should unescape quoted strings containing commas', () => {
    expect(parseAuthParams('realm="a, \\"b\\"", nonce=abc')).toEqual({ realm: 'a, "b"', nonce: 'abc' });
  });
});

describe('DigestSession', () => {
  it('should sign the RFC example exactly and count nc up under one nonce', () => {
    const session = new DigestSession(
      {
        realm: RFC2617.realm,
        nonce: RFC2617.nonce,
        opaque: '5ccc069c403ebaf9f0171e9517f40e41',
        qop: ['auth', 'auth-int'],
        algorithm: 'MD5',
        stale: false,
      },
      () => RFC2617.cnonce,
    );
    const first = parseAuthParams(session.authorize('Mufasa', 'Circle Of Life', 'GET', '/dir/index.html').slice(7));
    expect(first).toMatchObject({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      uri: '/dir/index.html',
      nc: '00000001',
      qop: 'auth',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
    const second = parseAuthParams(session.authorize('Mufasa', 'Circle Of Life', 'GET', '/dir/index.html').slice(7));
    expect(second.nc).toBe('00000002');
    expect(second.response).not.toBe(first.response);
    expect(session.used).toBe(2);
  });

  it('should refuse challenges it cannot answer correctly', () => {
    const base = { realm: 'r', nonce: 'n', qop: ['auth'], algorithm: 'MD5', stale: false };
    expect(() => new DigestSession({ ...base, algorithm: 'SHA-256' })).toThrow(/algorithm/);
    expect(() => new DigestSession({ ...base, qop: ['auth-int'] })).toThrow(/qop/);
  });
});
