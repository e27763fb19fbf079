import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe } from '../../../src/targets/devices/client/broker-acl';
import { MqttFrameGuard } from '../../../src/targets/devices/client/mqtt-frame-guard';
import { downTopic, upTopic } from '../../../src/targets/devices/protocol/topics';
import {
  eventually,
  GATEWAY,
  rawClient,
  rawDevice,
  secretOf,
  sleep,
  startHarness,
  uniqueDeviceId,
  type Harness,
} from './cloud-harness';

let h: Harness;
const clients: MqttClient[] = [];
const track = async (p: Promise<MqttClient>) => {
  const c = await p;
  clients.push(c);
  return c;
};

beforeAll(async () => {
  h = await startHarness({ maxPacketBytes: 64 * 1024, known: (id) => !id.startsWith('unknown') });
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.endAsync(true)));
  await h.close();
});

/** Resolves when the broker closes the client's connection; fails after `ms` (the refusal must be prompt). */
function closedWithin(c: MqttClient, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('broker did not close the connection')), ms);
    c.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The SUBACK code granted (mqtt.js rejects on 128 and carries the packet on the error). */
async function granted(c: MqttClient, topic: string): Promise<number | undefined> {
  try {
    const [g] = await c.subscribeAsync(topic, { qos: 1 });
    return g?.qos;
  } catch (err) {
    return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0];
  }
}

/** The CONNACK return code a refused login gets (mqtt.js puts it on the error). */
async function refusedCode(p: Promise<MqttClient>): Promise<number | undefined> {
  try {
    const c = await p;
    clients.push(c);
  } catch (err) {
    return (err as { code?: number }).code;
  }
  throw new Error('expected the broker to refuse the connection');
}

describe('authentication', () => {
  it('accepts a device with its own secret and client id = username = device id', async () => {
    const id = uniqueDeviceId();
    const c = await track(rawDevice(h.broker.url, id));
    expect(c.connected).toBe(true);
    await eventually(() => h.broker.isOnline(id), 2000, 'online');
  });

  it('refuses a wrong secret (CONNACK 4) and an unknown device', async () => {
    expect(await refusedCode(rawDevice(h.broker.url, uniqueDeviceId(), 'wrong'))).toBe(4);
    const unknown = uniqueDeviceId('unknown');
    expect(await refusedCode(rawDevice(h.broker.url, unknown))).toBe(4);
    expect(h.broker.isOnline(unknown)).toBe(false);
  });

  it('refuses a client id that differs from the username, even with the right secret (CONNACK 5)', async () => {
    const id = uniqueDeviceId();
    const code = await refusedCode(
      rawClient(h.broker.url, { clientId: uniqueDeviceId(), username: id, password: secretOf(id) }),
    );
    expect(code).toBe(5);
  });

  it('refuses logins without credentials and ids that cannot be a topic level', async () => {
    expect(await refusedCode(rawClient(h.broker.url, { clientId: uniqueDeviceId() }))).toBe(4);
    const bad = 'a/b';
    expect(await refusedCode(rawClient(h.broker.url, { clientId: bad, username: bad, password: secretOf(bad) }))).toBe(
      2,
    );
  });

  it('refuses the gateway account with a wrong password or a foreign client id', async () => {
    expect(
      await refusedCode(
        rawClient(h.broker.url, { clientId: GATEWAY.username, username: GATEWAY.username, password: 'nope' }),
      ),
    ).toBe(4);
    expect(
      await refusedCode(
        rawClient(h.broker.url, { clientId: 'other', username: GATEWAY.username, password: GATEWAY.password }),
      ),
    ).toBe(2);
  });
});

describe('topic ACL', () => {
  it("a device cannot subscribe to another device's down topic (SUBACK failure), only to its own", async () => {
    const a = uniqueDeviceId();
    const b = uniqueDeviceId();
    const ca = await track(rawDevice(h.broker.url, a));
    expect(await granted(ca, downTopic(b))).toBe(128);
    expect(await granted(ca, 'acs/+/down')).toBe(128);
    expect(await granted(ca, 'acs/+/up')).toBe(128);
    expect(await granted(ca, downTopic(a))).toBe(1);

    // And it really hears nothing of b's traffic: the gateway writes to b, a stays silent.
    const heard: string[] = [];
    ca.on('message', (topic) => heard.push(topic));
    const gw = await track(rawClient(h.broker.url, { clientId: `${GATEWAY.username}-acl`, ...GATEWAY }));
    await gw.publishAsync(downTopic(b), '{}', { qos: 1 });
    await gw.publishAsync(downTopic(a), '{}', { qos: 1 });
    await eventually(() => heard.includes(downTopic(a)), 2000, 'own down message');
    expect(heard).toEqual([downTopic(a)]);
  });

  it("a device cannot publish to another device's up topic: the gateway receives nothing and the liar is cut off", async () => {
    const liar = uniqueDeviceId();
    const victim = uniqueDeviceId();
    const gw = await track(rawClient(h.broker.url, { clientId: `${GATEWAY.username}-acl2`, ...GATEWAY }));
    await gw.subscribeAsync('acs/+/up', { qos: 1 });
    const heard: string[] = [];
    gw.on('message', (topic) => heard.push(topic));
    const c = await track(rawDevice(h.broker.url, liar));
    const closed = closedWithin(c);
    c.publish(upTopic(victim), '{"spoof":true}', { qos: 1 });
    await closed;
    // Its own up topic works for an honest device (positive control for the listener).
    const honest = await track(rawDevice(h.broker.url, victim));
    await honest.publishAsync(upTopic(victim), '{}', { qos: 1 });
    await eventually(() => heard.length > 0, 2000, 'honest message');
    await sleep(100);
    expect(heard).toEqual([upTopic(victim)]);
  });

  it('a device cannot publish to down topics or retain messages', async () => {
    const id = uniqueDeviceId();
    const listener = await track(rawDevice(h.broker.url, id));
    await listener.subscribeAsync(downTopic(id), { qos: 1 });
    const heard: string[] = [];
    listener.on('message', (t) => heard.push(t));
    const other = uniqueDeviceId();
    const c = await track(rawDevice(h.broker.url, other));
    const closed = closedWithin(c);
    c.publish(downTopic(id), '{"cmd":"open"}', { qos: 1 });
    await closed;
    const c2 = await track(rawDevice(h.broker.url, uniqueDeviceId()));
    const closed2 = closedWithin(c2);
    c2.publish(upTopic(c2.options.clientId as string), '{}', { qos: 1, retain: true });
    await closed2;
    await sleep(100);
    expect(heard).toEqual([]);
  });

  it('the gateway may subscribe to every up topic and publish to any down topic, but not to up topics', () => {
    expect(maySubscribe({ kind: 'gateway' }, 'acs/+/up')).toBe(true);
    expect(maySubscribe({ kind: 'gateway' }, 'acs/#')).toBe(false);
    expect(maySubscribe({ kind: 'gateway' }, '#')).toBe(false);
    expect(mayPublish({ kind: 'gateway' }, 'acs/d1/down')).toBe(true);
    expect(mayPublish({ kind: 'gateway' }, 'acs/d1/up')).toBe(false);
    expect(mayPublish({ kind: 'device', deviceId: 'd1' }, 'acs/d1/up')).toBe(true);
    expect(mayPublish({ kind: 'device', deviceId: 'd1' }, 'acs/d1/up/x')).toBe(false);
    expect(maySubscribe({ kind: 'device', deviceId: 'd1' }, 'acs/d1/#')).toBe(false);
  });
});

describe('presence', () => {
  it('reports online, a clean disconnect and a lost connection', async () => {
    const id = uniqueDeviceId();
    const c = await rawDevice(h.broker.url, id);
    await eventually(() => h.presence.some((e) => e.deviceId === id && e.online), 2000, 'online');
    await c.endAsync();
    await eventually(() => h.presence.some((e) => e.deviceId === id && !e.online), 2000, 'offline');
    expect(h.presence.filter((e) => e.deviceId === id).map((e) => e.reason)).toEqual(['connected', 'disconnect']);

    const c2 = await rawDevice(h.broker.url, id);
    await eventually(() => h.broker.isOnline(id), 2000, 'online again');
    c2.stream.destroy();
    await c2.endAsync(true);
    await eventually(() => !h.broker.isOnline(id), 2000, 'lost');
    expect(h.presence.filter((e) => e.deviceId === id).at(-1)?.reason).toBe('connectionLost');
  });

  it('reports a keep-alive timeout when a device goes silent', async () => {
    const id = uniqueDeviceId();
    // keepalive 1 s: the broker gives up after 1.5 s of silence (MQTT 3.1.1 §3.1.2.10).
    const c = await track(
      rawClient(h.broker.url, { clientId: id, username: id, password: secretOf(id), keepalive: 1 }),
    );
    // Stop the client's pings without closing the socket — and its own keep-alive watchdog, which
    // would otherwise close the socket itself at the same 1.5 s and race the broker's timeout.
    const raw = c as unknown as { _sendPacket: () => void; _destroyKeepaliveManager: () => void };
    raw._destroyKeepaliveManager();
    raw._sendPacket = () => undefined;
    c.options.keepalive = 0;
    await eventually(
      () => h.presence.some((e) => e.deviceId === id && e.reason === 'keepaliveTimeout'),
      5000,
      'keepalive timeout',
    );
  });

  it('a takeover by a second connection does not leave the device marked offline', async () => {
    const id = uniqueDeviceId();
    await track(rawDevice(h.broker.url, id));
    await track(rawDevice(h.broker.url, id));
    await sleep(200);
    expect(h.broker.isOnline(id)).toBe(true);
  });
});

describe('packet size', () => {
  it('closes a connection whose packet announces more than the limit, before it arrives', async () => {
    const id = uniqueDeviceId();
    const gw = await track(rawClient(h.broker.url, { clientId: `${GATEWAY.username}-size`, ...GATEWAY }));
    await gw.subscribeAsync('acs/+/up', { qos: 1 });
    const heard: Buffer[] = [];
    gw.on('message', (_t, p) => heard.push(p));
    const c = await track(rawDevice(h.broker.url, id));
    const closed = closedWithin(c);
    c.publish(upTopic(id), Buffer.alloc(200 * 1024, 0x41), { qos: 1 });
    await closed;
    await sleep(100);
    expect(heard).toEqual([]);
  });

  it('cuts a raw socket that sends a malformed length', async () => {
    const socket = net.connect(h.broker.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    await closed;
  });

  it('MqttFrameGuard follows packet boundaries across chunks', () => {
    const g = new MqttFrameGuard(100);
    // two packets of 3 and 100 bytes, split awkwardly
    expect(g.feed(Buffer.from([0x30, 0x03, 1]))).toBeUndefined();
    expect(g.feed(Buffer.from([2, 3, 0x30]))).toBeUndefined();
    expect(g.feed(Buffer.from([0x64, ...Array(100).fill(0)]))).toBeUndefined();
    // 101 bytes announced across two length bytes (0xe5 0x00 = 101)
    expect(g.feed(Buffer.from([0x30, 0xe5]))).toBeUndefined();
    expect(g.feed(Buffer.from([0x00]))).toMatch(/exceeds/);
  });
});
