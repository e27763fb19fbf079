import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { Client } from 'pg';
import { resolveTemporalBinary } from '../../src/dev/temporal-binary';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres';
import { TEMPORAL_DEV_SERVER_TIMER_ARGS } from '../../src/dev/temporal-dev-server';
import { initOrm, migrateUp } from '../../src/db/orm';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/contracts';
import { SetupStepError, setupStep } from '../../src/dev/setup-step';
import { WORKFLOWS_PATH } from '../../src/worker/worker';

/**
 * Starts the real services once per test run: PostgreSQL (embedded, or DATABASE_URL's server), the
 * Temporal CLI dev server (never a mock), and one prebuilt workflow bundle. Each test file then makes
 * its own database from the migrated template, its own task queue and its own simulator.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    await startAll(project, cleanups);
  } catch (e) {
    // vitest would otherwise print its RUN banner and exit 1 with nothing else.
    const message = e instanceof SetupStepError ? e.message : `test set-up failed: ${e instanceof Error ? e.message : String(e)}`;
    process.stderr.write(`\n[gatesync test set-up] ${message}\n\n`);
    await teardown();
    throw e;
  }
  return teardown;
}

async function startAll(project: TestProject, cleanups: Array<() => Promise<void>>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatesync-test-'));
  // Traversable, not listable: the cluster's account (postgres, when the tests run as root) must enter it.
  chmodSync(dir, 0o711);
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));

  let adminUrl: string;
  if (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '') {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const password = randomBytes(18).toString('base64url');
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, database: 'gatesync_template', password });
    cleanups.push(async () => {
      await pg.stop();
      rmSync(pg.dataDir, { recursive: true, force: true });
    });
    adminUrl = pg.url;
  }
  const templateUrl = withDatabase(adminUrl, 'gatesync_template');
  await setupStep('migrate the template database', async () => {
    await ensureDatabase(adminUrl, 'gatesync_template');
    const orm = await initOrm(templateUrl);
    await migrateUp(orm);
    await orm.close(true);
  });

  const binary = await setupStep('obtain the Temporal CLI', () => resolveTemporalBinary());
  const env = await setupStep('start the Temporal dev server', () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        ...(binary.path !== undefined ? { executable: { type: 'existing-path' as const, path: binary.path } } : {}),
        searchAttributes: SEARCH_ATTRIBUTE_KEYS,
        log: { format: 'pretty', level: 'error' },
        extraArgs: TEMPORAL_DEV_SERVER_TIMER_ARGS,
      },
    }),
  );
  cleanups.push(() => env.teardown());

  const bundlePath = join(dir, 'workflow-bundle.js');
  await setupStep('bundle the workflows', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
    writeFileSync(bundlePath, bundle.code);
  });

  project.provide('temporalAddress', env.address);
  project.provide('databaseAdminUrl', adminUrl);
  project.provide('workflowBundlePath', bundlePath);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await c.connect();
  try {
    const r = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await c.query(`create database "${name}"`);
  } finally {
    await c.end();
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
  error: (m: string) => process.stderr.write(`[bundle] ${m}\n`),
};

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseAdminUrl: string;
    workflowBundlePath: string;
  }
}
