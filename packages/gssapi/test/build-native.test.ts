// The build script on machines where the addon cannot be built: it must exit 0, record why, and leave nothing
// loadable behind, so that loadGssapi() explains what to install. Runs on a copy of the package in a temp dir.
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

function copyPackage(name: string): string {
  const dir = join(root, name);
  for (const entry of ['scripts', 'native', 'binding.gyp', 'package.json'])
    cpSync(join(packageDir, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
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
    expect(output).toContain('native addon NOT built');
    expect(existsSync(join(dir, 'build', 'Release', 'gssapi.node'))).toBe(false);
    const loaded = loadGssapi({ path: join(dir, 'build', 'Release', 'gssapi.node') });
    expect(loaded).toEqual({ ok: false, reason: `the native addon was not built: ${status.reason}` });
  });

  it('explains a compiler failure on missing Kerberos headers', async () => {
    const dir = copyPackage('no-headers');
    // A node-gyp that fails the way g++ does without libkrb5-dev (krb5-config itself is faked as present).
    const bin = join(root, 'bin-fake');
    mkdirSync(bin);
    writeFileSync(join(bin, 'krb5-config'), '#!/bin/sh\necho -isystem /nonexistent\n', { mode: 0o755 });
    const nodeGyp = join(root, 'fake-node-gyp.js');
    writeFileSync(
      nodeGyp,
      "console.error('../native/acceptor.h:4:10: fatal error: gssapi/gssapi.h: No such file or directory'); process.exit(1);",
    );
    const { status } = await build(dir, {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      npm_config_node_gyp: nodeGyp,
    });
    expect(status).toMatchObject({ ok: false, reason: 'Kerberos headers missing: install libkrb5-dev and rebuild' });
    expect(readFileSync(join(dir, 'build', 'native-build.log'), 'utf8')).toContain('gssapi/gssapi.h');
    expect(existsSync(join(dir, 'build', 'Release', 'gssapi.node'))).toBe(false);
  });

  it('does nothing as an install script in a source checkout', async () => {
    const dir = copyPackage('checkout');
    await exec(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--install']);
    expect(existsSync(join(dir, 'build', 'native-build.json'))).toBe(false);
  });
});
