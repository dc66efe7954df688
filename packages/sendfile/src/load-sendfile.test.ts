import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadSendfile } from './load-sendfile.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-sendfile-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadSendfile when the addon cannot load', () => {
  it('reports a missing addon with its path and how to rebuild, without throwing', () => {
    const result = loadSendfile({ path: '/nonexistent/x.node' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('/nonexistent/x.node');
    expect(result.reason).toContain('rebuild');
    expect(result.reason).toContain('install gcc, make and python3');
  });

  it('repeats the reason the build script recorded', () => {
    const build = join(dir, 'failed', 'build');
    mkdirSync(join(build, 'Release'), { recursive: true });
    writeFileSync(
      join(build, 'native-build.json'),
      JSON.stringify({ ok: false, reason: 'sendfile(2) of a file to a socket is used on Linux only' }),
    );
    expect(loadSendfile({ path: join(build, 'Release', 'sendfile.node') })).toEqual({
      ok: false,
      reason: 'the native addon was not built: sendfile(2) of a file to a socket is used on Linux only',
    });
  });

  it('reports a file that is not a loadable addon', () => {
    const path = join(dir, 'garbage.node');
    writeFileSync(path, 'not an ELF file');
    const result = loadSendfile({ path });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(/^the native addon .*garbage\.node failed to load \(.*\): then rebuild/);
  });

  it('refuses a module that is not this addon', () => {
    const path = join(dir, 'other.cjs');
    writeFileSync(path, 'module.exports = { sendfile: 1 };');
    expect(loadSendfile({ path })).toEqual({ ok: false, reason: `${path} is not the @poplar/sendfile addon` });
  });
});

describe.skipIf(process.platform !== 'linux')('loadSendfile with the built addon', () => {
  it('loads it once per process', () => {
    const result = loadSendfile();
    if (!result.ok) expect.fail(`the addon must build and load on Linux with a C toolchain: ${result.reason}`);
    expect(result.binding.path).toBe(DEFAULT_ADDON_PATH);
    expect(result.binding.path).toMatch(/build\/Release\/sendfile\.node$/);
    expect(result.binding.sendFile).toBeTypeOf('function');
    expect(loadSendfile()).toBe(result);
  });
});
