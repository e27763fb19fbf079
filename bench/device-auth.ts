import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { createLogger } from '../src/logger';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres';
import { freePort } from '../src/dev/free-ports';
import { initOrm, migrateUp } from '../src/db/orm';
import { registerDevice } from '../src/db/repositories/devices/device-registry';
import { registryAuthenticator } from '../src/gateway/device-authenticator';
import { rows, type Db } from '../src/db/repositories/devices/device-people';
import { DeviceSecretVerifier } from '../src/security/device-secret';
import { startBroker, type DeviceAuthenticator } from '../src/targets/devices/client/broker';

export interface DeviceAuthFigures {
  logins: number;
  /** Median CONNECT → CONNACK, ms. */
  medianMs: { registeredRight: number; registeredWrong: number; unknown: number; unknownWithoutDummy: number };
  /** Unknown id ÷ registered id with a wrong secret: 1 means the answer time tells nothing. */
  ratio: number;
  /** The same ratio for a check that skips scrypt for unknown ids (what gatesync did before). */
  ratioWithoutDummy: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** How the broker answered before: no scrypt when there is no stored hash — ~70 ms against ~3 ms. */
function revealingAuthenticator(db: Db, verifier: DeviceSecretVerifier): DeviceAuthenticator {
  const real = registryAuthenticator(db, verifier);
  return async (deviceId, secret) => {
    const [row] = await rows<{ id: string }>(db, 'select id from device where id = ?', [deviceId]);
    return row === undefined ? false : real(deviceId, secret);
  };
}

/**
 * bench/device-auth: MQTT login time over the embedded broker and the registry (PostgreSQL), for a registered door
 * with its secret, with a wrong one, and for an id that is not registered — interleaved, `logins` of each. The
 * unknown id must cost what a wrong secret costs (one scrypt against a dummy hash), so the answer time does not
 * tell which door ids exist. The old check (no scrypt for unknown ids) is measured beside it for comparison.
 */
export async function benchDeviceAuth(o: { logins: number; log: (m: string) => void }): Promise<DeviceAuthFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gatesync-bench-auth-'));
  chmodSync(dir, 0o711);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), database: 'gatesync', password: randomBytes(18).toString('base64url') });
  const orm = await initOrm(pg.url, { pool: { min: 0, max: 5 } });
  const logger = createLogger('silent', 'bench-auth');
  const gateway = { username: 'gw', password: randomBytes(16).toString('hex') };
  try {
    await migrateUp(orm);
    const db = orm.em.getKnex();
    const verifier = await DeviceSecretVerifier.create();
    const door = await registerDevice(db, { id: 'bench-door', name: 'bench' });
    const brokers = {
      current: await startBroker({
        port: 0,
        logger,
        gatewayCredentials: gateway,
        authenticate: registryAuthenticator(db, verifier),
      }),
      revealing: await startBroker({
        port: 0,
        logger,
        gatewayCredentials: gateway,
        authenticate: revealingAuthenticator(db, verifier),
      }),
    };
    const login = async (url: string, id: string, secret: string): Promise<number> => {
      const t = performance.now();
      try {
        const c = await connectAsync(url, {
          clientId: id,
          username: id,
          password: secret,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
        });
        const ms = performance.now() - t;
        await c.endAsync(true);
        return ms;
      } catch {
        return performance.now() - t;
      }
    };
    const t: Record<keyof DeviceAuthFigures['medianMs'], number[]> = {
      registeredRight: [],
      registeredWrong: [],
      unknown: [],
      unknownWithoutDummy: [],
    };
    try {
      // Warm-up: connection pool, JIT, the broker's first sockets.
      for (let i = 0; i < 5; i++) await login(brokers.current.url, door.id, door.secret);
      for (let i = 0; i < o.logins; i++) {
        t.registeredRight.push(await login(brokers.current.url, door.id, door.secret));
        t.registeredWrong.push(await login(brokers.current.url, door.id, `${door.secret}x`));
        t.unknown.push(await login(brokers.current.url, `nobody-${i}`, door.secret));
        t.unknownWithoutDummy.push(await login(brokers.revealing.url, `nobody-${i}`, door.secret));
      }
    } finally {
      await brokers.current.close();
      await brokers.revealing.close();
    }
    const medianMs = {
      registeredRight: median(t.registeredRight),
      registeredWrong: median(t.registeredWrong),
      unknown: median(t.unknown),
      unknownWithoutDummy: median(t.unknownWithoutDummy),
    };
    o.log(
      `median login: registered + right secret ${medianMs.registeredRight.toFixed(1)} ms, + wrong secret ${medianMs.registeredWrong.toFixed(1)} ms, ` +
        `unknown id ${medianMs.unknown.toFixed(1)} ms (without the dummy hash: ${medianMs.unknownWithoutDummy.toFixed(1)} ms)`,
    );
    return {
      logins: o.logins,
      medianMs,
      ratio: medianMs.unknown / medianMs.registeredWrong,
      ratioWithoutDummy: medianMs.unknownWithoutDummy / medianMs.registeredWrong,
    };
  } finally {
    await orm.close(true);
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
