import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { krb5DevInstalled } from '@poplar/test-kdc';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadFailure, loadGssapi } from './load-gssapi.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-gssapi-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The common reasons (a recorded build failure, a file that does not load) are @poplar/native-addon's and tested there.
describe('loadGssapi when the addon cannot load', () => {
  it('reports a missing addon with what to install, without throwing', () => {
    const path = join(dir, 'nowhere', 'build', 'Release', 'gssapi.node');
    expect(loadGssapi({ path })).toEqual({
      ok: false,
      reason:
        `the native addon was not built (${path} is missing): install libkrb5-dev, g++, make and python3, ` +
        'then rebuild (`npm rebuild @poplar/gssapi`; in a source checkout `pnpm --filter @poplar/gssapi build:native`)',
    });
  });

  it('refuses a module that is not this addon', () => {
    const path = join(dir, 'other.cjs');
    writeFileSync(path, 'module.exports = { hello: 1 };');
    const result = loadGssapi({ path });
    expect(result).toEqual({ ok: false, reason: `${path} is not the @poplar/gssapi addon` });
  });

  it('names the missing Kerberos library, and leaves other load errors to the common reason', () => {
    const error = new Error('libgssapi_krb5.so.2: cannot open shared object file: No such file or directory');
    expect(loadFailure(error)).toMatch(/^libgssapi_krb5\.so\.2 missing: install the MIT Kerberos libraries/);
    expect(loadFailure(new Error('/x/gssapi.node: invalid ELF header'))).toBeUndefined();
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
