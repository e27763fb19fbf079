import { describe, expect, it } from 'vitest';
import { deriveCapabilities } from '../../../src/targets/terminals/protocol/capabilities';
import { IsapiAuthError, classifyIsapiAnswer, classifyTransportError } from '../../../src/targets/terminals/client/errors';
import { buildMultipart, extractResponseStatus, parseUserCheck } from '../../../src/targets/terminals/protocol/isapi-body';
import { toIsapiLocalTime, toIsapiTime } from '../../../src/targets/terminals/protocol/isapi-time';

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('ResponseStatus parsing (§2.2)', () => {
  it('should read the JSON form, numbers and all', () => {
    const body = json({
      requestURL: '/ISAPI/AccessControl/UserInfo/Record?format=json',
      statusCode: 6,
      statusString: 'Invalid Content',
      subStatusCode: 'employeeNoAlreadyExist',
      errorCode: 1610637344,
      errorMsg: 'checkUser',
    });
    expect(extractResponseStatus(body)).toEqual({
      requestURL: '/ISAPI/AccessControl/UserInfo/Record?format=json',
      statusCode: 6,
      statusString: 'Invalid Content',
      subStatusCode: 'employeeNoAlreadyExist',
      errorCode: 1610637344,
      errorMsg: 'checkUser',
    });
  });

  it('should read the namespaced XML form with text values', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">' +
      '<requestURL>/ISAPI/AccessControl/RemoteControl/door/1</requestURL><statusCode>1</statusCode>' +
      '<statusString>OK</statusString><subStatusCode>ok</subStatusCode></ResponseStatus>';
    expect(extractResponseStatus(Buffer.from(xml))).toMatchObject({ statusCode: 1, subStatusCode: 'ok' });
  });

  it('should find no status in data answers', () => {
    expect(extractResponseStatus(json({ UserInfoCount: { userNumber: 3 } }))).toBeUndefined();
    expect(extractResponseStatus(Buffer.from('<DeviceInfo><model>x</model></DeviceInfo>'))).toBeUndefined();
    expect(extractResponseStatus(Buffer.from([0xff, 0xd8, 0xff]))).toBeUndefined();
  });

  it('should read the lock out of a 401 userCheck body', () => {
    const locked =
      '<userCheck><statusValue>401</statusValue><lockStatus>lock</lockStatus><unlockTime>1790</unlockTime></userCheck>';
    expect(parseUserCheck(Buffer.from(locked))).toEqual({ locked: true, unlockInSeconds: 1790 });
    const plain = '<userCheck><statusValue>401</statusValue><statusString>Unauthorized</statusString></userCheck>';
    expect(parseUserCheck(Buffer.from(plain))).toEqual({ locked: false });
  });
});

describe('classification', () => {
  const status = (statusCode: number, subStatusCode: string, errorMsg?: string) => ({
    statusCode,
    subStatusCode,
    errorMsg,
  });
  const kind = (httpStatus: number, s?: ReturnType<typeof status>, carriesFace = false) =>
    classifyIsapiAnswer({ httpStatus, status: s, carriesFace })?.kind ?? null;

  it.each([
    [200, undefined, null],
    [200, status(1, 'ok'), null],
    [400, status(2, 'deviceBusy'), 'busy'],
    [200, status(2, 'upgrading'), 'busy'],
    [400, status(6, 'employeeNoAlreadyExist'), 'alreadyExists'],
    [400, status(6, 'employeeNoNotExist'), 'notFound'],
    [400, status(4, 'notSupport'), 'notSupported'],
    [403, status(4, 'notSupport'), 'notSupported'],
    [405, status(4, 'methodNotAllowed'), 'methodNotAllowed'],
    [405, undefined, 'methodNotAllowed'],
    [400, status(5, 'badJsonFormat'), 'badFormat'],
    [400, status(6, 'badJsonContent', 'startTime'), 'invalidContent'],
    [400, status(6, 'badParameters', 'employeeNo'), 'invalidContent'],
    [400, status(6, 'urlDownloadFail'), 'urlDownloadFail'],
    [400, status(6, 'userExceedLimit'), 'capacity'],
    [400, status(6, 'faceNumOverLimit'), 'capacity'],
    [400, status(6, 'noFaceDetected'), 'faceRejected'],
    [400, status(3, 'deviceError'), 'permanent'],
    [404, undefined, 'notSupported'],
    [503, undefined, 'busy'],
    [502, undefined, 'transient'],
    [400, undefined, 'permanent'],
  ])('HTTP %i %o → %s', (http, s, expected) => {
    expect(kind(http, s)).toBe(expected);
  });

  it('should call a badParameters naming the image a face rejection only on a face upload', () => {
    expect(kind(400, status(6, 'badParameters', 'FaceImage'), true)).toBe('faceRejected');
    expect(kind(400, status(6, 'badParameters', 'FaceImage'), false)).toBe('invalidContent');
    expect(kind(400, status(6, 'badParameters', 'faceLibType'), true)).toBe('invalidContent');
  });

  it('should make 401 and badAuthorization auth errors that are never retryable', () => {
    const err = classifyIsapiAnswer({ httpStatus: 401 });
    expect(err).toBeInstanceOf(IsapiAuthError);
    expect(err?.retryable).toBe(false);
    expect(classifyIsapiAnswer({ httpStatus: 400, status: status(4, 'badAuthorization') })).toBeInstanceOf(
      IsapiAuthError,
    );
  });

  it('should classify transport failures', () => {
    const tls = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(classifyTransportError(tls, '/x', false)).toMatchObject({ kind: 'permanent', transport: 'tls' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyTransportError(reset, '/x', false)).toMatchObject({ kind: 'transient', transport: 'network' });
    expect(classifyTransportError(new Error('aborted'), '/x', true)).toMatchObject({
      kind: 'transient',
      transport: 'timeout',
    });
  });
});

describe('times (§2.4, §2.7)', () => {
  it('should write the terminal offset and drop milliseconds', () => {
    const t = new Date('2026-04-25T04:20:09.812Z');
    expect(toIsapiTime(t, -360)).toBe('2026-04-24T22:20:09-06:00');
    expect(toIsapiTime(t, 0)).toBe('2026-04-25T04:20:09+00:00');
    expect(toIsapiTime(t, 330)).toBe('2026-04-25T09:50:09+05:30');
    expect(toIsapiLocalTime(t, 180)).toBe('2026-04-25T07:20:09');
    expect(() => toIsapiTime(t, 15 * 60)).toThrow(RangeError);
  });
});

describe('multipart body (§2.5)', () => {
  it('should lay out parts exactly as the reference shows', () => {
    const { body, contentType } = buildMultipart(
      [
        { name: 'FaceDataRecord', contentType: 'application/json', data: '{"FPID":"1"}' },
        { name: 'FaceImage', filename: 'face.jpg', contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8]) },
      ],
      'B',
    );
    expect(contentType).toBe('multipart/form-data; boundary=B');
    expect(body.toString('latin1')).toBe(
      '--B\r\nContent-Disposition: form-data; name="FaceDataRecord"\r\nContent-Type: application/json\r\n\r\n{"FPID":"1"}\r\n' +
        '--B\r\nContent-Disposition: form-data; name="FaceImage"; filename="face.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--B--\r\n',
    );
  });
});

describe('capabilities derivation', () => {
  it('should read ranges and option lists, and leave unknowns undefined', () => {
    const caps = deriveCapabilities(
      { AccessControl: { isSupportUserInfo: 'true' } },
      {
        UserInfo: {
          maxRecordNum: '3000',
          supportFunction: { '@opt': 'post,get' },
          EmployeeNoInfo: { employeeNo: { '@min': 1, '@max': 32 } },
        },
      },
      null,
    );
    expect(caps).toMatchObject({
      supportsUserInfo: true,
      maxUsers: 3000,
      employeeNoMaxLength: 32,
      userFunctions: ['post', 'get'],
    });
    expect(caps.faceUpload).toEqual({});
    expect(caps.maxFaces).toBeUndefined();
  });
});
