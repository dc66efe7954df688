// The build script on machines where the addon cannot be built: what gssapi checks before node-gyp and how it reads
// node-gyp's output. The flow itself (exit 0, the record, the stale addon, --install, the common explanations) is
// @poplar/native-addon's and tested there. Runs on a copy of the package in a temp dir.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGssapi } from '../src/load-gssapi.js';

const exec = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'poplar-build-native-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A krb5-config that answers (the headers it names do not exist), for the cases past that check.
const fakeBin = join(root, 'bin-fake');
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, 'krb5-config'), '#!/bin/sh\necho -isystem /nonexistent\n', { mode: 0o755 });
const fakePath = `${fakeBin}:${dirname(process.execPath)}:/usr/bin:/bin`;

/** A copy of the package with a stale addon; `modules: 'native-addon'` installs no other dependency. */
function copyPackage(name: string, modules: 'all' | 'native-addon' = 'all'): string {
  const dir = join(root, name);
  for (const entry of ['scripts', 'native', 'binding.gyp', 'package.json'])
    cpSync(join(packageDir, entry), join(dir, entry), { recursive: true });
  if (modules === 'all') {
    symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
  } else {
    mkdirSync(join(dir, 'node_modules', '@poplar'), { recursive: true });
    symlinkSync(
      join(packageDir, 'node_modules', '@poplar', 'native-addon'),
      join(dir, 'node_modules', '@poplar', 'native-addon'),
    );
  }
  // A stale addon from an earlier build must not survive a failed one.
  mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
  writeFileSync(join(dir, 'build', 'Release', 'gssapi.node'), 'stale');
  return dir;
}

async function build(dir: string, env: NodeJS.ProcessEnv) {
  const result = await exec(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--force'], { env });
  return { output: result.stderr, status: JSON.parse(readFileSync(join(dir, 'build', 'native-build.json'), 'utf8')) };
}

describe('build-native.mjs when the addon cannot be built', () => {
  it('records a missing krb5-config and exits 0', async () => {
    const dir = copyPackage('no-krb5-config');
    const bin = join(root, 'bin-node-only');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const { output, status } = await build(dir, { PATH: bin });
    expect(status).toMatchObject({
      ok: false,
      reason: 'krb5-config not found: install libkrb5-dev (Debian/Ubuntu) or krb5-devel (Fedora) and rebuild',
    });
    expect(output).toContain('@poplar/gssapi: native addon NOT built');
    expect(output).toContain('loadGssapi() returns { ok: false, reason }');
    expect(existsSync(join(dir, 'build', 'Release', 'gssapi.node'))).toBe(false);
    const loaded = loadGssapi({ path: join(dir, 'build', 'Release', 'gssapi.node') });
    expect(loaded).toEqual({ ok: false, reason: `the native addon was not built: ${status.reason}` });
  });

  it('records a missing node-addon-api', async () => {
    const dir = copyPackage('no-node-addon-api', 'native-addon');
    const { status } = await build(dir, { PATH: fakePath });
    expect(status).toMatchObject({
      ok: false,
      reason: 'node-addon-api is not installed: run the package manager install first, then rebuild',
    });
    expect(existsSync(join(dir, 'build', 'Release', 'gssapi.node'))).toBe(false);
  });

  // What the compiler and node-gyp print in each case, replayed by a fake node-gyp.
  it.each([
    [
      'missing Kerberos headers',
      '../native/acceptor.h:4:10: fatal error: gssapi/gssapi.h: No such file or directory',
      'Kerberos headers missing: install libkrb5-dev and rebuild',
    ],
    [
      'a missing Kerberos library',
      '/usr/bin/ld: cannot find -lgssapi_krb5: No such file or directory',
      'libgssapi_krb5 missing: install libkrb5-dev and rebuild',
    ],
    [
      // node-gyp's success line about Python once made this "node-gyp needs Python 3".
      'a missing make as a C++ toolchain problem',
      'gyp info find Python using Python version 3.11.2\ngyp ERR! stack Error: not found: make',
      'no C++ toolchain: install g++ and make, then rebuild',
    ],
  ])('explains %s', async (name, log, reason) => {
    const dir = copyPackage(name.replaceAll(' ', '-'));
    const nodeGyp = join(dir, 'fake-node-gyp.js');
    writeFileSync(nodeGyp, `console.error(${JSON.stringify(log)}); process.exit(1);`);
    const { status } = await build(dir, { PATH: fakePath, npm_config_node_gyp: nodeGyp });
    expect(status).toMatchObject({ ok: false, reason });
    expect(readFileSync(join(dir, 'build', 'native-build.log'), 'utf8')).toContain(log);
    expect(existsSync(join(dir, 'build', 'Release', 'gssapi.node'))).toBe(false);
  });
});
