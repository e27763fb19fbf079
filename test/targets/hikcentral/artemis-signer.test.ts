import { describe, expect, it } from 'vitest';
import { buildStringToSign, sign, signRequest } from '../../../src/targets/hikcentral/protocol/artemis-signer';

// Sample credentials from the Hikvision-OpenAPI-Signer README; vectors self-computed with the SDK rule
// (reference hikvision.md §1.3 table; no vendor vector exists, §4 q1).
const KEY = '12345678';
const SECRET = 'abcdefghijklmnopqrst';
const NONCE = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const TS = '1700000000000';

const vectors = [
  {
    name: 'V1: SDK defaults, key + nonce + timestamp signed',
    input: {
      method: 'POST',
      path: '/artemis/api/resource/v1/person/single/add',
      headers: {
        Accept: '*/*',
        'Content-Type': 'application/json',
        'x-ca-timestamp': TS,
        'x-ca-key': KEY,
        'x-ca-nonce': NONCE,
      },
    },
    stringToSign:
      'POST\n*/*\napplication/json\nx-ca-key:12345678\nx-ca-nonce:3f2504e0-4f89-11d3-9a0c-0305e82c3301\nx-ca-timestamp:1700000000000\n/artemis/api/resource/v1/person/single/add',
    signature: '+PibYosNDRvE13ATEH4EhWmKuDbtnjannMAdbhp1jxg=',
  },
  {
    name: 'V2: only x-ca-key signed, charset in Content-Type',
    input: {
      method: 'post',
      path: '/artemis/api/resource/v1/org/advance/orgList',
      headers: { accept: 'application/json', 'content-type': 'application/json;charset=UTF-8', 'X-Ca-Key': KEY },
    },
    stringToSign:
      'POST\napplication/json\napplication/json;charset=UTF-8\nx-ca-key:12345678\n/artemis/api/resource/v1/org/advance/orgList',
    signature: 'xTjAKQ6aV7SV4SWkm2qJP+bgF/dHycnU6s7RliiCl0E=',
  },
  {
    name: 'V3: query sorted, blank value rendered as a bare key',
    input: {
      method: 'GET',
      path: '/artemis/api/example',
      query: new URLSearchParams('b=2&a=1&flag='),
      headers: { Accept: '*/*', 'Content-Type': 'application/json', 'x-ca-key': KEY, 'x-ca-timestamp': TS },
    },
    stringToSign:
      'GET\n*/*\napplication/json\nx-ca-key:12345678\nx-ca-timestamp:1700000000000\n/artemis/api/example?a=1&b=2&flag',
    signature: 'UFeng5/iBEneFWaTNVnZjGL2wGiVe9LD3TDP6/vKrSE=',
  },
  {
    name: 'V4: no custom headers at all (APU style)',
    input: {
      method: 'POST',
      path: '/artemis/api/resource/v1/person/personCode/personInfo',
      headers: { Accept: '*/*', 'Content-Type': 'application/json' },
    },
    stringToSign: 'POST\n*/*\napplication/json\n/artemis/api/resource/v1/person/personCode/personInfo',
    signature: '5kntLsKno2ys/7CaJigX8ITUd/ngFAdQOpOWPxJ6tpU=',
  },
];

describe('Artemis signer (reference §1.3)', () => {
  for (const v of vectors) {
    it(`${v.name}: should build the string-to-sign and the signature`, () => {
      const stringToSign = buildStringToSign(v.input);
      expect(stringToSign).toBe(v.stringToSign);
      expect(sign(SECRET, stringToSign)).toBe(v.signature);
    });
  }

  it('given a query as a record, should sort keys and render blank values bare (V3)', () => {
    const s = buildStringToSign({ ...vectors[2]!.input, query: { b: 2, a: '1', flag: '' } });
    expect(s).toBe(vectors[2]!.stringToSign);
  });

  it('given a changed header value, should no longer match the vector (negative control)', () => {
    const v1 = vectors[0]!;
    const tampered = buildStringToSign({
      ...v1.input,
      headers: { ...v1.input.headers, 'x-ca-timestamp': '1700000000001' },
    });
    expect(tampered).not.toBe(v1.stringToSign);
    expect(sign(SECRET, tampered)).not.toBe(v1.signature);
    expect(sign('abcdefghijklmnopqrsT', v1.stringToSign)).not.toBe(v1.signature);
  });

  it('should not write empty lines for absent Content-MD5/Date unless asked for the Alibaba variant', () => {
    const input = vectors[3]!.input;
    expect(buildStringToSign(input)).not.toContain('\n\n');
    expect(buildStringToSign({ ...input, emptyLineForAbsentHeaders: true })).toBe(
      'POST\n*/*\n\napplication/json\n\n/artemis/api/resource/v1/person/personCode/personInfo',
    );
  });

  it('should rebuild custom headers in the given x-ca-signature-headers order (gateway side)', () => {
    const s = buildStringToSign({ ...vectors[0]!.input, signedHeaderNames: ['x-ca-timestamp', 'x-ca-key'] });
    expect(s).toBe(
      'POST\n*/*\napplication/json\nx-ca-timestamp:1700000000000\nx-ca-key:12345678\n/artemis/api/resource/v1/person/single/add',
    );
  });

  describe('signRequest', () => {
    it('given fixed nonce and timestamp, should reproduce V1 and return every header to send', () => {
      const headers = signRequest({
        method: 'POST',
        path: '/artemis/api/resource/v1/person/single/add',
        headers: { Accept: '*/*', 'Content-Type': 'application/json' },
        appKey: KEY,
        appSecret: SECRET,
        nonce: NONCE,
        timestamp: Number(TS),
      });
      expect(headers).toEqual({
        Accept: '*/*',
        'Content-Type': 'application/json',
        'x-ca-key': KEY,
        'x-ca-nonce': NONCE,
        'x-ca-timestamp': TS,
        'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
        'x-ca-signature': vectors[0]!.signature,
      });
    });

    it('should default to a UUID nonce and a millisecond timestamp', () => {
      const before = Date.now();
      const headers = signRequest({
        method: 'POST',
        path: '/artemis/api/x',
        headers: {},
        appKey: KEY,
        appSecret: SECRET,
      });
      expect(headers['x-ca-nonce']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ts = Number(headers['x-ca-timestamp']);
      expect(ts).toBeGreaterThanOrEqual(before);
      expect(ts).toBeLessThanOrEqual(Date.now());
    });
  });
});
