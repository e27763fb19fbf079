import { describe, expect, it } from 'vitest';
import {
  DOWN_CMDS,
  downSender,
  parseDownMessage,
  parseUpMessage,
  UP_CMDS,
  validateDownData,
  type MessageRejection,
} from '../../../src/targets/devices/protocol/messages';
import { passDigest } from '../../../src/targets/devices/protocol/pass-digest';
import { upEnvelope } from './cloud-harness';

const DEVICE = 'dev-1';

function rejected(result: ReturnType<typeof parseUpMessage>): MessageRejection {
  if (result.ok) throw new Error(`expected a rejection, got ${result.message.data.cmd}`);
  return result;
}

describe('parseUpMessage', () => {
  it('accepts the seed examples of each device → app message', () => {
    const examples: unknown[] = [
      { cmd: 'user_sync', payload: { code: 0, sync_size: 1 } },
      { cmd: 'user_sync_check', payload: { size: 100, hash: '11207717158912', reason: 0 } },
      { cmd: 'feature_input', payload: { user_id: 123, input_status: 1, feature_type: 'fa', feature_value: 'x' } },
      {
        cmd: 'feature_error',
        payload: {
          error_list: [
            { user_id: 123, feature_type: 'fa', feature_value: 'AIhz', feature_length: 394858, index: 0, status: 0 },
          ],
        },
      },
      { cmd: 'feature_update', payload: { user_id: 123, feature_type: 'fa', feature_value: 'v', feature_index: '0' } },
      {
        cmd: 'access_data_upload',
        payload: { users: [{ user_id: 123, user_type: 0, access_type: 'fp', access_time: 1503025335 }] },
      },
      { cmd: 'device_status_update', payload: { status: 0 } },
      { cmd: 'access_time_config', payload: { code: 0, msg: '错误描述' } },
      { cmd: 'property_update', payload: { code: 0, msg: '' } },
      { cmd: 'access_capture', payload: { user_id: 2, capture_data: 'aGVsbG8=', capture_time: 1503025335 } },
      { cmd: 'access_remote_control', status: 0 },
      { cmd: 'access_app_scan', code: 0 },
    ];
    const seen = new Set<string>();
    for (const data of examples) {
      const result = parseUpMessage(upEnvelope(DEVICE, data), { deviceId: DEVICE });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (result.ok) seen.add(result.message.data.cmd);
    }
    expect([...seen].sort()).toEqual([...UP_CMDS].sort());
  });

  it("normalises the seed's string-typed user_id and feature_index to numbers", () => {
    const result = parseUpMessage(
      upEnvelope(DEVICE, {
        cmd: 'feature_update',
        payload: { user_id: '123', feature_type: 'fp', feature_value: 'v', feature_index: '2' },
      }),
    );
    expect(result.ok && result.message.data).toEqual({
      cmd: 'feature_update',
      payload: { user_id: 123, feature_type: 'fp', feature_value: 'v', feature_index: 2 },
    });
  });

  it('rejects invalid JSON, non-envelopes, wrong actions and unknown commands with their reason', () => {
    expect(rejected(parseUpMessage('{"mid":')).reason).toBe('invalidJson');
    expect(rejected(parseUpMessage(Buffer.from([0xff, 0xfe, 0x00]))).reason).toBe('invalidJson');
    expect(rejected(parseUpMessage('[]')).reason).toBe('notEnvelope');
    expect(rejected(parseUpMessage('null')).reason).toBe('notEnvelope');
    expect(
      rejected(
        parseUpMessage(JSON.stringify({ mid: 1, from: DEVICE, to: 'a', time: 1, action: 300, data: { cmd: 'x' } })),
      ).reason,
    ).toBe('notEnvelope');
    const down = JSON.stringify({
      mid: 'm',
      from: DEVICE,
      to: 'a',
      time: 1,
      action: 500,
      data: { cmd: 'device_status_update' },
    });
    expect(rejected(parseUpMessage(down))).toMatchObject({ reason: 'wrongAction', mid: 'm' });
    expect(rejected(parseUpMessage(upEnvelope(DEVICE, { cmd: 'rm_rf', payload: {} }, 'm2')))).toMatchObject({
      reason: 'unknownCmd',
      cmd: 'rm_rf',
      mid: 'm2',
    });
    // Prototype keys are not commands.
    expect(rejected(parseUpMessage(upEnvelope(DEVICE, { cmd: '__proto__', payload: {} }))).reason).toBe('unknownCmd');
    expect(rejected(parseUpMessage(upEnvelope(DEVICE, { cmd: 'toString' }))).reason).toBe('unknownCmd');
  });

  it('rejects wrong types field by field', () => {
    const bad: unknown[] = [
      { cmd: 'user_sync', payload: { code: '0', sync_size: 1 } },
      { cmd: 'user_sync', payload: { code: 0 } },
      { cmd: 'user_sync', payload: { code: 7, sync_size: 1 } },
      { cmd: 'user_sync_check', payload: { size: 1, hash: 123, reason: 0 } },
      { cmd: 'user_sync_check', payload: { size: -1, hash: '1', reason: 0 } },
      { cmd: 'user_sync_check', payload: { size: 1, hash: '-5', reason: 0 } },
      {
        cmd: 'access_data_upload',
        payload: { users: [{ user_id: 2 ** 40, user_type: 0, access_type: 'fa', access_time: 1 }] },
      },
      {
        cmd: 'access_data_upload',
        payload: { users: [{ user_id: 1, user_type: 0, access_type: 'teleport', access_time: 1 }] },
      },
      { cmd: 'access_data_upload', payload: { users: 'all' } },
      { cmd: 'device_status_update', payload: { status: 2 } },
      { cmd: 'access_capture', payload: { capture_data: 'not base64!', capture_time: 1 } },
      { cmd: 'access_remote_control', payload: { status: 0 } },
    ];
    for (const data of bad) {
      expect(rejected(parseUpMessage(upEnvelope(DEVICE, data))).reason, JSON.stringify(data)).toBe('schema');
    }
  });

  it('refuses a payload above the size limit before parsing it', () => {
    const huge = upEnvelope(DEVICE, {
      cmd: 'access_capture',
      payload: { capture_data: 'A'.repeat(2 * 1024 * 1024), capture_time: 1 },
    });
    expect(rejected(parseUpMessage(huge)).reason).toBe('tooLarge');
    expect(rejected(parseUpMessage('{}', { maxBytes: 1 })).reason).toBe('tooLarge');
  });

  it('refuses a message whose from is not the device of the topic', () => {
    const spoofed = upEnvelope('dev-2', { cmd: 'device_status_update', payload: { status: 1 } });
    expect(rejected(parseUpMessage(spoofed, { deviceId: DEVICE })).reason).toBe('senderMismatch');
  });

  it('never throws, whatever the bytes', () => {
    const inputs = ['', ' ', '1e999', '"str"', '{"data":{"cmd":{}}}', '{'.repeat(10_000), '[[[[[[[[[['.repeat(1000)];
    for (let i = 0; i < 200; i += 1)
      inputs.push(Buffer.from(Array.from({ length: 64 }, () => Math.floor(Math.random() * 256))).toString('latin1'));
    for (const input of inputs) expect(parseUpMessage(input).ok).toBe(false);
  });
});

describe('down messages (what gatesync may send)', () => {
  const user = { user_id: 123, user_type: 0 as const, name: '张三' };

  it('a delete entry carries only user_id and user_type (§1)', () => {
    expect(() =>
      validateDownData('user_sync', {
        payload: { reset: false, users: [{ user_id: 124, user_type: 0, delete: true }] },
      }),
    ).not.toThrow();
    expect(() =>
      validateDownData('user_sync', {
        payload: { reset: false, users: [{ user_id: 124, user_type: 0, delete: true, name: 'x' } as never] },
      }),
    ).toThrow();
  });

  it('pass is an MD5 digest or empty, never a plaintext PIN', () => {
    expect(() =>
      validateDownData('user_sync', { payload: { reset: false, users: [{ ...user, pass: passDigest('345') }] } }),
    ).not.toThrow();
    expect(() =>
      validateDownData('user_sync', { payload: { reset: false, users: [{ ...user, pass: '' }] } }),
    ).not.toThrow();
    expect(() =>
      validateDownData('user_sync', { payload: { reset: false, users: [{ ...user, pass: '1234' }] } }),
    ).toThrow(/MD5/);
  });

  it('user_id is a positive 32-bit integer', () => {
    for (const user_id of [0, -1, 2 ** 31, 1.5]) {
      expect(() =>
        validateDownData('user_sync', { payload: { reset: false, users: [{ ...user, user_id }] } }),
      ).toThrow();
    }
  });

  it('a reset starts a task and so carries total_count', () => {
    expect(() => validateDownData('user_sync', { payload: { reset: true, users: [user] } })).toThrow(/total_count/);
    expect(() =>
      validateDownData('user_sync', { payload: { reset: true, total_count: 1, users: [user] } }),
    ).not.toThrow();
  });

  it('property_update uses setting names, not *_config model parameters (§14)', () => {
    expect(() =>
      validateDownData('property_update', {
        payload: { properties: [{ property: 'check_type_config', value: 'fa' }] },
      }),
    ).toThrow();
    expect(() =>
      validateDownData('property_update', {
        payload: { properties: [{ property: 'check_type', value: 'fa', ext_value: '' }] },
      }),
    ).not.toThrow();
  });

  it('opening hours are HH:mm and days 0–6', () => {
    const ok = { day: [0, 1, 2, 3, 4, 5, 6], time_begin: '08:00', time_end: '21:00' };
    expect(() => validateDownData('access_time_config', { payload: { times: [ok] } })).not.toThrow();
    expect(() =>
      validateDownData('access_time_config', { payload: { times: [{ ...ok, time_end: '24:00' }] } }),
    ).toThrow();
    expect(() => validateDownData('access_time_config', { payload: { times: [{ ...ok, day: [7] }] } })).toThrow();
  });

  it('parseDownMessage knows every down command and wants action 200 only for checkin_upload (§8)', () => {
    expect(DOWN_CMDS).toContain('checkin_upload');
    const env = (action: number, data: unknown) =>
      JSON.stringify({ mid: 'm', from: 'system', to: DEVICE, time: 1, action, data });
    expect(parseDownMessage(env(200, { cmd: 'checkin_upload', payload: { days: 2 } })).ok).toBe(true);
    expect(parseDownMessage(env(500, { cmd: 'checkin_upload', payload: { days: 2 } }))).toMatchObject({
      ok: false,
      reason: 'wrongAction',
    });
    expect(parseDownMessage(env(500, { cmd: 'access_data_upload' })).ok).toBe(true);
    expect(parseDownMessage(env(500, { cmd: 'access_data_upload', payload: {} }))).toMatchObject({
      ok: false,
      reason: 'schema',
    });
  });

  it('sends checkin_upload from "system" (seed §8 example) and everything else from the application id', () => {
    expect(downSender('checkin_upload', 'gatesync')).toBe('system');
    for (const cmd of DOWN_CMDS.filter((c) => c !== 'checkin_upload'))
      expect(downSender(cmd, 'gatesync'), cmd).toBe('gatesync');
  });
});
