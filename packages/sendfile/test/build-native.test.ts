// The build script where the addon cannot be built: what sendfile checks before node-gyp and the toolchain it names.
// The flow itself (exit 0, the record, the stale addon, --install, the common explanations) is @poplar/native-addon's
// and tested there. Runs on a copy of the package in a temp dir.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSendfile } from '../src/load-sendfile.js';

const exec = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'poplar-sendfile-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copyPackage(name: string): { dir: string; addon: string } {
  const dir = join(root, name);
  for (const entry of ['scripts', 'native', 'binding.gyp', 'package.json'])
    cpSync(join(packageDir, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
  // A stale addon from an earlier build must not survive a failed one.
  const addon = join(dir, 'build', 'Release', 'sendfile.node');
  mkdirSync(dirname(addon), { recursive: true });
  writeFileSync(addon, 'stale');
  return { dir, addon };
}

async function build(dir: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []) {
  const script = join(dir, 'scripts', 'build-native.mjs');
  const result = await exec(process.execPath, [...nodeArgs, script, '--force'], { env });
  return { output: result.stderr, status: JSON.parse(readFileSync(join(dir, 'build', 'native-build.json'), 'utf8')) };
}

describe('build-native.mjs when the addon cannot be built', () => {
  it('builds nothing outside Linux, records why and exits 0', async () => {
    const { dir, addon } = copyPackage('not-linux');
    const darwin = "data:text/javascript,Object.defineProperty(process, 'platform', { value: 'darwin' });";
    const { output, status } = await build(dir, { PATH: dirname(process.execPath) }, ['--import', darwin]);
    expect(status).toEqual({
      ok: false,
      reason: 'sendfile(2) of a file to a socket is used on Linux only',
      node: process.version,
    });
    expect(output).toContain('@poplar/sendfile: native addon NOT built');
    expect(output).toContain('loadSendfile() returns { ok: false, reason }');
    expect(existsSync(addon)).toBe(false);
    expect(loadSendfile({ path: addon })).toEqual({
      ok: false,
      reason: 'the native addon was not built: sendfile(2) of a file to a socket is used on Linux only',
    });
  });

  // The common explanations are @poplar/native-addon's; this one shows sendfile builds C, not C++.
  it.skipIf(process.platform !== 'linux')('explains a missing C compiler', async () => {
    const { dir, addon } = copyPackage('no-C-compiler');
    const log =
      'gyp info find Python using Python version 3.11.2\n' +
      '  CC(target) Release/obj.target/sendfile/native/sendfile.o\nmake: cc: No such file or directory';
    const nodeGyp = join(dir, 'fake-node-gyp.js');
    writeFileSync(nodeGyp, `console.error(${JSON.stringify(log)}); process.exit(1);`);
    const { status } = await build(dir, { PATH: dirname(process.execPath), npm_config_node_gyp: nodeGyp });
    expect(status).toMatchObject({
      ok: false,
      reason: 'no C toolchain: install gcc (or another cc) and make, then rebuild',
    });
    expect(readFileSync(join(dir, 'build', 'native-build.log'), 'utf8')).toContain(log);
    expect(existsSync(addon)).toBe(false);
  });
});
