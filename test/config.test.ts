import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

/** The error loadConfig throws for `env`, or a failed expectation if it does not throw one. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const realHikCentral = {
  HIKCENTRAL_URL: 'http://hcp.example.edu:9016',
  HIKCENTRAL_APP_KEY: 'operator-key',
  HIKCENTRAL_APP_SECRET: 'operator-secret',
  HIKCENTRAL_ORG_INDEX_CODE: '7',
};

const KEY = 'ab'.repeat(32);

describe('loadConfig', () => {
  it('given an empty environment, should use the development defaults (embedded services, simulator)', () => {
    const c = loadConfig({});
    expect(c.env).toBe('development');
    expect(c.logLevel).toBe('info');
    expect(c.dataDir).toBe('.data');
    expect(c.database).toEqual({ url: undefined, embeddedPort: 54329 });
    expect(c.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      queues: { hikcentral: 'gatesync-hikcentral', terminals: 'gatesync-terminals', devices: 'gatesync-devices', photos: 'gatesync-photos' },
      devPort: 7233,
      uiPort: 8233,
    });
    expect(c.api).toEqual({ host: '127.0.0.1', port: 3000, bodyLimit: '100kb', photoLimit: '10mb', token: undefined });
    expect(c.hikcentral).toMatchObject({
      url: undefined,
      orgIndexCode: '2',
      insecureTls: false,
      timeoutMs: 10_000,
      photoRejectedCodes: undefined,
      privilegeGroupIds: [],
      validityDays: 365 * 5,
      simPort: 9016,
    });
    // Without HIKCENTRAL_URL the embedded simulator is used, with the development credentials.
    expect(c.hikcentral.appKey.length).toBeGreaterThan(0);
    expect(c.hikcentral.appSecret.length).toBeGreaterThan(0);
    expect(c.sync).toEqual({ pacingMs: 300, busyPauseMs: 300_000 });
  });

  it('should read and convert the values it is given', () => {
    const c = loadConfig({
      NODE_ENV: 'test',
      API_PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/gatesync',
      SYNC_PACING_MS: '0',
      HIKCENTRAL_VALIDITY_DAYS: '30',
      ...realHikCentral,
    });
    expect(c.env).toBe('test');
    expect(c.api.port).toBe(8080);
    expect(c.database.url).toBe('postgres://u:p@db:5432/gatesync');
    expect(c.sync.pacingMs).toBe(0);
    expect(c.hikcentral).toMatchObject({
      url: realHikCentral.HIKCENTRAL_URL,
      appKey: 'operator-key',
      appSecret: 'operator-secret',
      orgIndexCode: '7',
      validityDays: 30,
    });
  });

  it('given a queue prefix, should name every family queue after it; given TEMPORAL_TASK_QUEUE, one queue for all', () => {
    expect(loadConfig({ TEMPORAL_TASK_QUEUE_PREFIX: 'site-a' }).temporal.queues.photos).toBe('site-a-photos');
    expect(Object.values(loadConfig({ TEMPORAL_TASK_QUEUE: 'one' }).temporal.queues)).toEqual(['one', 'one', 'one', 'one']);
  });

  it('given WORKER_QUEUES, should serve those families only; an unknown family is a ConfigError naming it', () => {
    expect(loadConfig({}).worker.families).toEqual(['hikcentral', 'terminals', 'devices', 'photos']);
    expect(loadConfig({ WORKER_QUEUES: 'photos, devices' }).worker.families).toEqual(['photos', 'devices']);
    expect(loadConfig({ WORKER_MAX_ACTIVITIES_TERMINALS: '7' }).worker.maxActivities.terminals).toBe(7);
    expect(configError({ WORKER_QUEUES: 'photos,doors' }).message).toContain('WORKER_QUEUES');
    expect(configError({ WORKER_MAX_ACTIVITIES_PHOTOS: '0' }).message).toContain('WORKER_MAX_ACTIVITIES_PHOTOS');
  });

  it('given a port that is not a number, should throw a ConfigError naming API_PORT', () => {
    const e = configError({ API_PORT: 'abc' });
    expect(e.message).toContain('API_PORT');
    expect(e.issues.some((i) => i.startsWith('API_PORT'))).toBe(true);
  });

  it('given a port out of range, should throw a ConfigError naming the variable', () => {
    expect(configError({ TEMPORAL_DEV_PORT: '70000' }).message).toContain('TEMPORAL_DEV_PORT');
  });

  it('given a DATABASE_URL that is not a URL, should throw a ConfigError naming DATABASE_URL', () => {
    const e = configError({ DATABASE_URL: 'not-a-url' });
    expect(e.message).toContain('DATABASE_URL');
    expect(e.message).not.toContain('API_PORT');
  });

  it('given several bad values, should name every one of them', () => {
    const e = configError({ API_PORT: 'abc', DATABASE_URL: 'not-a-url', LOG_LEVEL: 'loud' });
    for (const name of ['API_PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(e.message).toContain(name);
  });

  it('given HIKCENTRAL_URL without credentials or org, should name each missing variable', () => {
    const e = configError({ HIKCENTRAL_URL: 'http://hcp.example.edu' });
    expect(e.issues).toHaveLength(3);
    for (const name of ['HIKCENTRAL_APP_KEY', 'HIKCENTRAL_APP_SECRET', 'HIKCENTRAL_ORG_INDEX_CODE']) {
      expect(e.issues.some((i) => i.startsWith(name))).toBe(true);
    }
  });

  it('given HIKCENTRAL_URL with only the secret missing, should name just HIKCENTRAL_APP_SECRET', () => {
    const e = configError({ ...realHikCentral, HIKCENTRAL_APP_SECRET: '  ' });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^HIKCENTRAL_APP_SECRET/);
  });

  it('given an https HIKCENTRAL_URL without a CA file or HIKCENTRAL_INSECURE_TLS, should name HIKCENTRAL_CA_FILE', () => {
    const e = configError({ ...realHikCentral, HIKCENTRAL_URL: 'https://hcp.example.edu' });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^HIKCENTRAL_CA_FILE/);
  });

  it('given an https HIKCENTRAL_URL with HIKCENTRAL_INSECURE_TLS=true, should accept it and say TLS is insecure', () => {
    const c = loadConfig({
      ...realHikCentral,
      HIKCENTRAL_URL: 'https://hcp.example.edu',
      HIKCENTRAL_INSECURE_TLS: 'true',
    });
    expect(c.hikcentral.url).toBe('https://hcp.example.edu');
    expect(c.hikcentral.insecureTls).toBe(true);
    expect(c.hikcentral.caFile).toBeUndefined();
  });

  it('given an https HIKCENTRAL_URL with a CA file, should accept it and keep TLS verified', () => {
    const c = loadConfig({
      ...realHikCentral,
      HIKCENTRAL_URL: 'https://hcp.example.edu',
      HIKCENTRAL_CA_FILE: '/etc/gatesync/hcp-ca.pem',
    });
    expect(c.hikcentral.caFile).toBe('/etc/gatesync/hcp-ca.pem');
    expect(c.hikcentral.insecureTls).toBe(false);
  });

  it('given HIKCENTRAL_INSECURE_TLS with a value that is not a boolean, should name it', () => {
    expect(configError({ HIKCENTRAL_INSECURE_TLS: 'maybe' }).message).toContain('HIKCENTRAL_INSECURE_TLS');
  });

  it('given production without GATESYNC_API_TOKEN, should throw a ConfigError naming GATESYNC_API_TOKEN', () => {
    const e = configError({ NODE_ENV: 'production', GATESYNC_SECRET_KEY: KEY });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatch(/^GATESYNC_API_TOKEN/);
  });

  it('given production with a short GATESYNC_API_TOKEN, should name GATESYNC_API_TOKEN', () => {
    expect(configError({ NODE_ENV: 'production', GATESYNC_API_TOKEN: 'short' }).message).toContain(
      'GATESYNC_API_TOKEN',
    );
  });

  it('given production with a long enough GATESYNC_API_TOKEN, should accept it', () => {
    const c = loadConfig({ NODE_ENV: 'production', GATESYNC_API_TOKEN: 'a-token-of-24-characters', GATESYNC_SECRET_KEY: KEY });
    expect(c.env).toBe('production');
    expect(c.api.token).toBe('a-token-of-24-characters');
  });

  it('given HIKCENTRAL_PRIVILEGE_GROUP_IDS "1, 2", should give the trimmed list', () => {
    expect(loadConfig({ HIKCENTRAL_PRIVILEGE_GROUP_IDS: '1, 2' }).hikcentral.privilegeGroupIds).toEqual(['1', '2']);
  });

  it('given a list with empty entries, should leave them out', () => {
    expect(loadConfig({ HIKCENTRAL_PRIVILEGE_GROUP_IDS: ' 5,, 9 ,' }).hikcentral.privilegeGroupIds).toEqual(['5', '9']);
    expect(loadConfig({ HIKCENTRAL_PHOTO_REJECTED_CODES: '0x1, 0x2' }).hikcentral.photoRejectedCodes).toEqual([
      '0x1',
      '0x2',
    ]);
  });

  it('given numeric variables set to an empty string, should use their defaults, never 0', () => {
    const config = loadConfig({ API_PORT: '', SYNC_PACING_MS: ' ', HIKCENTRAL_TIMEOUT_MS: '', HIKCENTRAL_VALIDITY_DAYS: '' });
    expect(config.api.port).toBe(3000);
    expect(config.sync.pacingMs).toBe(300);
    expect(config.hikcentral.timeoutMs).toBe(10_000);
    expect(config.hikcentral.validityDays).toBe(365 * 5);
  });

  it('given a HIKCENTRAL_URL that is not http(s), should name HIKCENTRAL_URL', () => {
    expect(() =>
      loadConfig({ HIKCENTRAL_URL: 'ftp://hcp.example', HIKCENTRAL_APP_KEY: 'k', HIKCENTRAL_APP_SECRET: 's', HIKCENTRAL_ORG_INDEX_CODE: '1' }),
    ).toThrow(/HIKCENTRAL_URL/);
  });

  it('given photo settings, should build the face thresholds and target profiles from them', () => {
    const c = loadConfig({ PHOTO_FACE_CHECKS: 'off', FACE_MAX_YAW_DEG: '20', FACE_DUPLICATE_MAX_DISTANCE: '0.4', PHOTO_HIKCENTRAL_MAX_KB: '150', PHOTO_HIKCENTRAL_FACE_CROP: '0' });
    expect(c.photos.settings.faceChecks).toBe('off');
    expect(c.photos.settings.face.maxYawDeg).toBe(20);
    expect(c.photos.settings.face.maxRollDeg).toBe(15);
    expect(c.photos.settings.duplicateMaxDistance).toBe(0.4);
    expect(c.photos.settings.profiles.hikcentral).toMatchObject({ maxBytes: 150 * 1024, faceCropScale: undefined });
    expect(loadConfig({}).photos.settings).toMatchObject({ faceChecks: 'enforce', profiles: { hikcentral: { faceCropScale: 2.2 } } });
  });

  it('given a bad photo setting, should name it', () => {
    expect(() => loadConfig({ PHOTO_FACE_CHECKS: 'sometimes' })).toThrow(/PHOTO_FACE_CHECKS/);
    expect(() => loadConfig({ FACE_MIN_SHARE: '1.5' })).toThrow(/FACE_MIN_SHARE/);
    expect(() => loadConfig({ FACE_MIN_BRIGHTNESS: '200', FACE_MAX_BRIGHTNESS: '100' })).toThrow(/FACE_MIN_BRIGHTNESS: must be below/);
  });

  it('given photo profile settings no photo that passed intake could meet, should refuse them by name', () => {
    // HikCentral needs 400×400 (seed 000) and renditions are never enlarged, so a smaller maximum side can never work.
    const profiles = (env: NodeJS.ProcessEnv) => loadConfig(env).photos.settings.profiles;
    expect(configError({ PHOTO_HIKCENTRAL_MAX_SIDE: '399' }).issues).toEqual([
      expect.stringMatching(/^PHOTO_HIKCENTRAL_MAX_SIDE: 399 is below the 400/),
    ]);
    expect(profiles({ PHOTO_HIKCENTRAL_MAX_SIDE: '400' }).hikcentral).toMatchObject({ minSide: 400, maxSide: 400 });
    // Seed 000: at most 2 MB, whatever the deployment sets.
    expect(configError({ PHOTO_HIKCENTRAL_MAX_KB: '2049' }).issues).toEqual([
      expect.stringMatching(/^PHOTO_HIKCENTRAL_MAX_KB: 2049 KB is above the 2048 KB/),
    ]);
    expect(profiles({ PHOTO_HIKCENTRAL_MAX_KB: '2048' }).hikcentral.maxBytes).toBe(2 * 1024 * 1024);
    expect(configError({ PHOTO_HIKCENTRAL_FACE_CROP: '0.5' }).issues).toEqual([
      expect.stringMatching(/^PHOTO_HIKCENTRAL_FACE_CROP: 0.5 would cut into the face/),
    ]);
    // Terminals name no minimum side (reference §2.5): a small long side is a choice, not a contradiction.
    expect(profiles({ PHOTO_ISAPI_MAX_SIDE: '300' }).isapi).toMatchObject({ minSide: null, maxSide: 300 });
  });

  it('given production without GATESYNC_SECRET_KEY, or a key of the wrong length, should name it', () => {
    expect(configError({ NODE_ENV: 'production', GATESYNC_API_TOKEN: 'a-token-of-24-characters' }).issues).toEqual([
      expect.stringMatching(/^GATESYNC_SECRET_KEY: required in production/),
    ]);
    expect(configError({ GATESYNC_SECRET_KEY: 'abcd' }).message).toMatch(/GATESYNC_SECRET_KEY: must be 32 bytes/);
    expect(loadConfig({ GATESYNC_SECRET_KEY: KEY }).secretKey?.length).toBe(32);
    expect(loadConfig({ GATESYNC_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).secretKey).toEqual(Buffer.alloc(32, 7));
  });

  it('given no TERMINAL_CAPTURE_POLL_MS, should re-POST captures every 3 s, within reference §2.3\'s 2–5 s', () => {
    expect(loadConfig({}).terminals.capturePollMs).toBe(3_000);
    expect(loadConfig({ TERMINAL_CAPTURE_POLL_MS: '2000' }).terminals.capturePollMs).toBe(2_000);
    expect(loadConfig({ TERMINAL_CAPTURE_POLL_MS: '5000' }).terminals.capturePollMs).toBe(5_000);
  });

  it('given a TERMINAL_CAPTURE_POLL_MS outside 2–5 s, should name it', () => {
    for (const v of ['1000', '1999', '5001', 'soon']) {
      expect(configError({ TERMINAL_CAPTURE_POLL_MS: v }).message, v).toContain('TERMINAL_CAPTURE_POLL_MS');
    }
  });
});
