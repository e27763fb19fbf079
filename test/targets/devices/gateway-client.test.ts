import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudDeviceError } from '../../../src/targets/devices/client/errors';
import type { CloudGatewayClient, UnsolicitedContext } from '../../../src/targets/devices/client/gateway-client';
import type { UpMessage } from '../../../src/targets/devices/protocol/messages';
import { downTopic, upTopic } from '../../../src/targets/devices/protocol/topics';
import {
  eventually,
  gatewayClient,
  rawDevice,
  sleep,
  startHarness,
  uniqueDeviceId,
  upEnvelope,
  type Harness,
} from './cloud-harness';

interface Received {
  mid: string;
  from: string;
  to: string;
  action: number;
  data: { cmd: string; payload?: unknown };
}

let h: Harness;
let gw: CloudGatewayClient;
const unsolicited: { message: UpMessage; context: UnsolicitedContext }[] = [];
const devices: MqttClient[] = [];

/** A hand-driven device: records what it receives; the test decides every answer. */
async function scriptedDevice(id = uniqueDeviceId()) {
  const c = await rawDevice(h.broker.url, id);
  devices.push(c);
  await c.subscribeAsync(downTopic(id), { qos: 1 });
  const inbox: Received[] = [];
  c.on('message', (_t, p) => inbox.push(JSON.parse(p.toString()) as Received));
  const publish = (body: string | Buffer) => c.publishAsync(upTopic(id), body, { qos: 1 });
  return { id, c, inbox, publish, up: (data: unknown, mid?: string) => publish(upEnvelope(id, data, mid)) };
}

const syncFields = { payload: { reset: false, users: [{ user_id: 7, user_type: 0 as const, name: 'Ana' }] } };

beforeAll(async () => {
  h = await startHarness();
  gw = await gatewayClient(h.broker.url, { maxMessageBytes: 64 * 1024 });
  gw.onUnsolicited((message, context) => {
    unsolicited.push({ message, context });
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.allSettled(devices.map((d) => d.endAsync(true)));
  await h.close();
});

describe('request / answer', () => {
  it('resolves with the answer carrying the same mid, sent as envelope action 500 from the app id', async () => {
    const d = await scriptedDevice();
    const pending = gw.request(d.id, 'user_sync', syncFields);
    await eventually(() => d.inbox.length === 1, 2000, 'push');
    const push = d.inbox[0]!;
    expect(push).toMatchObject({ from: 'gatesync-app', to: d.id, action: 500, data: { cmd: 'user_sync' } });
    // Another device's answer and an unrelated cmd with the same mid do not resolve it.
    await d.up({ cmd: 'property_update', payload: { code: 0 } }, push.mid);
    await d.up({ cmd: 'user_sync', payload: { code: 0, sync_size: 1 } }, push.mid);
    const answer = await pending;
    expect(answer.mid).toBe(push.mid);
    expect(answer.data).toEqual({ cmd: 'user_sync', payload: { code: 0, sync_size: 1 } });
  });

  it('matches on device + cmd when the device answers with a mid we never issued', async () => {
    const d = await scriptedDevice();
    const pending = gw.request(d.id, 'access_time_config', { payload: { times: [] } });
    await eventually(() => d.inbox.length === 1, 2000, 'push');
    await d.up({ cmd: 'access_time_config', payload: { code: 0, msg: '' } }, 'device-made-up-mid');
    expect((await pending).data).toEqual({ cmd: 'access_time_config', payload: { code: 0, msg: '' } });
  });

  it('times out with a retryable CloudDeviceError, and the late answer never resolves a newer request', async () => {
    const d = await scriptedDevice();
    const first = gw.request(d.id, 'user_sync', syncFields, { timeoutMs: 150 });
    const err = await first.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudDeviceError);
    expect((err as CloudDeviceError).kind).toBe('timeout');
    expect((err as CloudDeviceError).retryable).toBe(true);
    await eventually(() => d.inbox.length === 1, 2000, 'first push');
    const oldMid = d.inbox[0]!.mid;

    let settled = false;
    const second = gw.request(d.id, 'user_sync', syncFields, { timeoutMs: 3000 }).finally(() => (settled = true));
    await eventually(() => d.inbox.length === 2, 2000, 'second push');
    await d.up({ cmd: 'user_sync', payload: { code: 0, sync_size: 1 } }, oldMid);
    await eventually(() => unsolicited.some((u) => u.message.mid === oldMid), 2000, 'late answer');
    expect(unsolicited.find((u) => u.message.mid === oldMid)?.context).toEqual({ deviceId: d.id, lateAnswer: true });
    expect(settled).toBe(false);
    await d.up({ cmd: 'user_sync', payload: { code: 2 } }, d.inbox[1]!.mid);
    expect((await second).data).toEqual({ cmd: 'user_sync', payload: { code: 2 } });
  });

  it('reuses a caller-given mid (idempotent pushes)', async () => {
    const d = await scriptedDevice();
    const pending = gw.request(
      d.id,
      'property_update',
      { payload: { properties: [{ property: 'faceScore', value: '80' }] } },
      { mid: 'wf-1-step-3' },
    );
    await eventually(() => d.inbox.length === 1, 2000, 'push');
    expect(d.inbox[0]!.mid).toBe('wf-1-step-3');
    await d.up({ cmd: 'property_update', payload: { code: 0 } }, 'wf-1-step-3');
    await pending;
  });

  it('refuses to send what the protocol forbids, and the device receives nothing', async () => {
    const d = await scriptedDevice();
    const plaintext = {
      payload: { reset: false, users: [{ user_id: 7, user_type: 0 as const, name: 'Ana', pass: '1234' }] },
    };
    const err = await gw.request(d.id, 'user_sync', plaintext).catch((e: unknown) => e);
    expect((err as CloudDeviceError).kind).toBe('invalidOutgoing');
    await expect(gw.send('bad/id', 'checkin_upload', { payload: { days: 1 } })).rejects.toMatchObject({
      kind: 'invalidOutgoing',
    });
    await sleep(100);
    expect(d.inbox).toEqual([]);
  });
});

describe('device-initiated messages', () => {
  it('delivers them and acknowledges with the same mid (§7, §9)', async () => {
    const d = await scriptedDevice();
    await d.up(
      {
        cmd: 'access_data_upload',
        payload: { users: [{ user_id: 7, user_type: 0, access_type: 'fa', access_time: 1 }] },
      },
      'batch-1',
    );
    await eventually(() => unsolicited.some((u) => u.message.mid === 'batch-1'), 2000, 'events');
    const m = unsolicited.find((u) => u.message.mid === 'batch-1')!.message;
    expect(m.data.cmd).toBe('access_data_upload');
    if (m.data.cmd !== 'access_data_upload') throw new Error('unreachable');
    await gw.acknowledge(m as UpMessage<'access_data_upload'>);
    await eventually(() => d.inbox.length === 1, 2000, 'ack');
    expect(d.inbox[0]).toMatchObject({
      mid: 'batch-1',
      from: 'gatesync-app',
      to: d.id,
      action: 500,
      data: { cmd: 'access_data_upload' },
    });
    expect(d.inbox[0]!.data).toEqual({ cmd: 'access_data_upload' });
  });

  it('drops hostile and malformed messages without crashing, and keeps serving the device', async () => {
    const d = await scriptedDevice();
    const other = uniqueDeviceId();
    const throwing = gw.onUnsolicited(() => {
      throw new Error('handler bug');
    });
    await d.publish('not json {');
    await d.publish(Buffer.from([0xff, 0x00, 0xfe]));
    await d.publish(
      JSON.stringify({
        mid: 'x',
        from: d.id,
        to: 'a',
        time: 1,
        action: 300,
        data: { cmd: 'user_sync_check', payload: { size: 'many', hash: 1 } },
      }),
    );
    await d.up({ cmd: 'shutdown_door', payload: {} });
    await d.publish(upEnvelope(other, { cmd: 'device_status_update', payload: { status: 1 } }, 'spoof'));
    await d.publish(
      upEnvelope(
        d.id,
        { cmd: 'access_capture', payload: { capture_data: 'A'.repeat(100_000), capture_time: 1 } },
        'huge',
      ),
    );
    await d.publish(
      JSON.stringify({
        __proto__: { polluted: true },
        mid: 'p',
        from: d.id,
        to: 'a',
        time: 1,
        action: 300,
        data: { cmd: 'constructor' },
      }),
    );
    await d.up({ cmd: 'device_status_update', payload: { status: 1 } }, 'valid-after-garbage');
    await eventually(() => unsolicited.some((u) => u.message.mid === 'valid-after-garbage'), 2000, 'valid message');
    throwing();
    const fromThisDevice = unsolicited.filter((u) => u.context.deviceId === d.id).map((u) => u.message.mid);
    expect(fromThisDevice).toEqual(['valid-after-garbage']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(gw.connected).toBe(true);
  });

  it('fails fast with notConnected once closed', async () => {
    const g2 = await gatewayClient(h.broker.url);
    await g2.close();
    await expect(g2.send(uniqueDeviceId(), 'checkin_upload', { payload: { days: 1 } })).rejects.toMatchObject({
      kind: 'closed',
    });
  });
});
