import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { krb5DevInstalled } from '@poplar/test-kdc';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadFailure, loadGssapi } from './load-gssapi.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-gssapi-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadGssapi when the addon cannot load', () => {
  it('reports a missing addon with what to install, without throwing', () => {
    const result = loadGssapi({ path: join(dir, 'nowhere', 'build', 'Release', 'gssapi.node') });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('not built');
    expect(result.reason).toContain('install libkrb5-dev');
  });

  it('repeats the reason the build script recorded', () => {
    const build = join(dir, 'failed', 'build');
    mkdirSync(join(build, 'Release'), { recursive: true });
    writeFileSync(
      join(build, 'native-build.json'),
      JSON.stringify({ ok: false, reason: 'Kerberos headers missing: install libkrb5-dev and rebuild' }),
    );
    const result = loadGssapi({ path: join(build, 'Release', 'gssapi.node') });
    expect(result).toEqual({
      ok: false,
      reason: 'the native addon was not built: Kerberos headers missing: install libkrb5-dev and rebuild',
    });
  });

  it('reports a file that is not a loadable addon', () => {
    const path = join(dir, 'garbage.node');
    writeFileSync(path, 'not an ELF file');
    const result = loadGssapi({ path });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(/^the native addon .*garbage\.node failed to load \(.*\): then rebuild/);
  });

  it('refuses a module that is not this addon', () => {
    const path = join(dir, 'other.cjs');
    writeFileSync(path, 'module.exports = { hello: 1 };');
    const result = loadGssapi({ path });
    expect(result).toEqual({ ok: false, reason: `${path} is not the @poplar/gssapi addon` });
  });

  it('names the missing Kerberos library', () => {
    const error = new Error('libgssapi_krb5.so.2: cannot open shared object file: No such file or directory');
    expect(loadFailure('/x/gssapi.node', error)).toMatch(
      /^libgssapi_krb5\.so\.2 missing: install the MIT Kerberos libraries/,
    );
  });
});

describe('loadGssapi with the built addon', () => {
  const required = krb5DevInstalled();
  it.skipIf(!required)(
    `loads it where libkrb5-dev is installed${required ? '' : ' (skipped: libkrb5-dev is not installed)'}`,
    () => {
      const result = loadGssapi();
      if (!result.ok) expect.fail(`the addon must build and load where libkrb5-dev is installed: ${result.reason}`);
      expect(result.binding.path).toMatch(/build\/Release\/gssapi\.node$/);
      expect(loadGssapi()).toBe(result);
      expect(result.binding.liveHandles()).toBe(0);
    },
  );

  it.skipIf(!required)('names the Kerberos library the dynamic loader cannot find', () => {
    // The real addon, with its dependency renamed (same length) to a library that does not exist.
    const addon = readFileSync(DEFAULT_ADDON_PATH);
    const needed = Buffer.from('libgssapi_krb5.so.2\0');
    const at = addon.indexOf(needed);
    expect(at).toBeGreaterThan(0);
    Buffer.from('libgssapi_krb5.so.9\0').copy(addon, at);
    const path = join(dir, 'relinked.node');
    writeFileSync(path, addon);
    expect(loadGssapi({ path })).toEqual({
      ok: false,
      reason: 'libgssapi_krb5.so.9 missing: install the MIT Kerberos libraries (Debian/Ubuntu: libgssapi-krb5-2)',
    });
  });
});
