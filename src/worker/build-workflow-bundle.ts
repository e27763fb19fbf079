import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';

/**
 * `npm run build:workflows [out]`: bundles the workflows once (samples-typescript \`production\`), so a
 * worker started with GATESYNC_WORKFLOW_BUNDLE=<out> skips webpack and its memory peak at start.
 */
export async function buildWorkflowBundle(out: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, code);
  return path;
}

if (require.main === module) {
  buildWorkflowBundle(process.argv[2] ?? 'dist/workflow-bundle.js').then(
    (p) => process.stdout.write(`${p}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}
