import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const planted: string[] = [];

/** Writes a file into a layer for one lint run; it never outlives the test. */
function plant(dir: string, code: string): string {
  const file = join(ROOT, dir, `planted-${randomUUID().slice(0, 8)}.ts`);
  writeFileSync(file, code);
  planted.push(file);
  return file;
}

async function layerErrors(file: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: ROOT }).lintFiles([file]);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

afterEach(() => {
  for (const f of planted.splice(0)) rmSync(f, { force: true });
});

describe('the layer rules (eslint import-x/no-restricted-paths zones)', () => {
  it('given a target client importing the database, should fail lint naming the rule', async () => {
    const file = plant('src/targets/hikcentral/client', "import type { Person } from '../../../db/entities';\nexport type P = Person;\n");
    expect(await layerErrors(file)).toEqual([expect.stringMatching(/Targets speak wire protocols/)]);
  });

  it('given a simulator importing its client, and a repository importing an activity, should fail each', async () => {
    const sim = plant('src/targets/terminals/simulator', "import type { IsapiClient } from '../client/client';\nexport type C = IsapiClient;\n");
    const repo = plant('src/db/repositories', "import type { Activities } from '../../activities';\nexport type A = Activities;\n");
    expect(await layerErrors(sim)).toEqual([expect.stringMatching(/apart from our client/)]);
    expect(await layerErrors(repo)).toEqual([expect.stringMatching(/below activities/)]);
  });

  it('given an API route taking a workflow type from a workflow module, should fail; from the typed client, pass', async () => {
    const direct = plant(
      'src/api/routes/syncs',
      "import type { syncPerson } from '../../../workflows/hikcentral/sync-person.workflow';\nexport type W = typeof syncPerson;\n",
    );
    const typed = plant(
      'src/api/routes/syncs',
      "import type { PersonSyncHandle } from '../../../temporal-client/hikcentral';\nexport type H = PersonSyncHandle;\n",
    );
    expect(await layerErrors(direct)).toEqual([expect.stringMatching(/only through src\/temporal-client/)]);
    expect(await layerErrors(typed)).toEqual([]);
  });

  it('given an import down the layers, should pass', async () => {
    const file = plant('src/activities', "import type { Person } from '../db/entities';\nexport type P = Person;\n");
    expect(await layerErrors(file)).toEqual([]);
  });
});
