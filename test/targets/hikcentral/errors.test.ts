import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PHOTO_REJECTED_CODES,
  classifyHikCentralAnswer,
  classifyTransportError,
  parseRetryAfter,
  type HikCentralAnswer,
} from '../../../src/targets/hikcentral/client/errors';
import { toHcpTime } from '../../../src/targets/hikcentral/protocol/hcp-time';

const kindOf = (answer: HikCentralAnswer, photoRejectedCodes?: string[]) =>
  classifyHikCentralAnswer(answer, { photoRejectedCodes })?.kind ?? 'ok';

describe('classifyHikCentralAnswer (reference §1.4, §1.7)', () => {
  it.each([
    [{ httpStatus: 200, code: '0', msg: 'Success' }, 'ok'],
    [{ httpStatus: 200, code: '131', msg: 'resource already exists' }, 'alreadyExists'],
    [{ httpStatus: 200, code: '128', msg: 'resource does not exist' }, 'notFound'],
    [{ httpStatus: 200, code: '6', msg: 'server busy' }, 'transient'],
    [{ httpStatus: 200, code: '4', msg: 'timeout' }, 'transient'],
    [{ httpStatus: 200, code: '5', msg: 'service exception' }, 'transient'],
    [{ httpStatus: 200, code: '0x00052101', msg: 'max load' }, 'transient'],
    [{ httpStatus: 200, code: '0x02401009', msg: 'max API calls' }, 'transient'],
    [{ httpStatus: 429 }, 'transient'],
    [{ httpStatus: 503 }, 'transient'],
    [{ httpStatus: 500, code: '5', msg: 'x' }, 'transient'],
    [{ httpStatus: 401, code: '0x02401003', msg: 'Invalid Signature' }, 'permanent'],
    [{ httpStatus: 403 }, 'permanent'],
    [{ httpStatus: 404 }, 'permanent'],
    [{ httpStatus: 200, code: '0x02401007', msg: 'no API permission' }, 'permanent'],
    [{ httpStatus: 200, code: '17', msg: 'no OpenAPI permission' }, 'permanent'],
    [{ httpStatus: 200, code: '2', msg: 'bad parameter' }, 'permanent'],
    [{ httpStatus: 200, code: '0x00072003', msg: 'bad format' }, 'permanent'],
    [{ httpStatus: 200, code: '8', msg: 'product version not supported' }, 'permanent'],
    [{ httpStatus: 200, code: '999', msg: 'something new' }, 'permanent'],
    [{ httpStatus: 200 }, 'permanent'],
  ] as Array<[HikCentralAnswer, string]>)('%o → %s', (answer, kind) => {
    expect(kindOf(answer)).toBe(kind);
  });

  it('should prefer the envelope code and fall back to http-<status> and the gateway message', () => {
    expect(classifyHikCentralAnswer({ httpStatus: 401, code: '0x02401003', msg: 'bad' })?.code).toBe('0x02401003');
    const bare = classifyHikCentralAnswer({ httpStatus: 401, gatewayMessage: 'Invalid Signature' });
    expect(bare).toMatchObject({ code: 'http-401', hcpMessage: 'Invalid Signature', httpStatus: 401 });
  });

  describe('photo rejection (no documented code, §4 q3)', () => {
    it('given a configured code on a face-carrying call, should be photoRejected', () => {
      expect(kindOf({ httpStatus: 200, code: '0x00072003', msg: 'x', carriesFace: true }, ['0x00072003'])).toBe(
        'photoRejected',
      );
      expect(kindOf({ httpStatus: 200, code: DEFAULT_PHOTO_REJECTED_CODES[0], msg: 'x', carriesFace: true })).toBe(
        'photoRejected',
      );
    });

    it('given face wording with an unknown code on a face-carrying call, should be photoRejected', () => {
      expect(kindOf({ httpStatus: 200, code: '192', msg: 'Face picture quality is too low', carriesFace: true })).toBe(
        'photoRejected',
      );
    });

    it('given the same answers without a face in the request, should not be photoRejected', () => {
      expect(kindOf({ httpStatus: 200, code: '192', msg: 'Face picture quality is too low' })).toBe('permanent');
      // A code configured as photo-rejected must not turn a lookup's 128 into a rejection.
      expect(kindOf({ httpStatus: 200, code: '128', msg: 'resource does not exist' }, ['128'])).toBe('notFound');
    });

    it('given 128 "resource does not exist" on a face update, should stay notFound', () => {
      expect(kindOf({ httpStatus: 200, code: '128', msg: 'resource does not exist', carriesFace: true })).toBe(
        'notFound',
      );
    });
  });

  describe('Retry-After', () => {
    it('should accept delay-seconds and HTTP dates', () => {
      expect(parseRetryAfter('7')).toBe(7000);
      const now = Date.parse('2026-01-01T00:00:00Z');
      expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
      expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
      expect(parseRetryAfter('soon')).toBeUndefined();
      expect(parseRetryAfter(undefined)).toBeUndefined();
    });

    it('should carry retryAfterMs on transient answers', () => {
      expect(classifyHikCentralAnswer({ httpStatus: 429, retryAfter: '3' })).toMatchObject({
        kind: 'transient',
        code: 'http-429',
        retryAfterMs: 3000,
      });
    });
  });
});

describe('classifyTransportError', () => {
  it('should classify timeouts and resets as transient and certificate failures as permanent', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyTransportError(reset)).toMatchObject({ kind: 'transient', code: 'network' });
    const headers = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(classifyTransportError(headers)).toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(classifyTransportError(new DOMException('aborted', 'TimeoutError'))).toMatchObject({ code: 'timeout' });
    const tls = Object.assign(new Error('fetch failed'), { cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } });
    expect(classifyTransportError(tls)).toMatchObject({ kind: 'permanent', code: 'tls' });
  });
});

describe('toHcpTime (§1.6)', () => {
  it('should render ISO 8601 with the offset and no milliseconds', () => {
    const d = new Date('2020-05-26T07:00:00.123Z');
    expect(toHcpTime(d, 480)).toBe('2020-05-26T15:00:00+08:00');
    expect(toHcpTime(d, -300)).toBe('2020-05-26T02:00:00-05:00');
    expect(toHcpTime(d, 0)).toBe('2020-05-26T07:00:00+00:00');
    expect(toHcpTime(d, 330)).toBe('2020-05-26T12:30:00+05:30');
  });
});
