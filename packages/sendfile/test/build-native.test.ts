// The build script where the addon cannot be built: it must exit 0, record why, and leave nothing loadable behind,
// so that loadSendfile() explains what to install. Runs on a copy of the package in a temp dir.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(output).toContain('native addon NOT built');
    expect(existsSync(addon)).toBe(false);
    expect(loadSendfile({ path: addon })).toEqual({
      ok: false,
      reason: 'the native addon was not built: sendfile(2) of a file to a socket is used on Linux only',
    });
  });

  // What node-gyp prints in each case (seen with node-gyp 12 on Debian), replayed by a fake node-gyp.
  it.skipIf(process.platform !== 'linux').each([
    [
      'no Python',
      'gyp ERR! find Python checking if "python3" can be used\ngyp ERR! stack Error: Could not find any Python installation to use',
      'node-gyp needs Python 3: install python3 and rebuild',
    ],
    [
      'no make',
      'gyp info find Python using Python version 3.11.2\ngyp ERR! stack Error: not found: make',
      'no C toolchain: install gcc (or another cc) and make, then rebuild',
    ],
    [
      'no C compiler',
      'gyp info find Python using Python version 3.11.2\n  CC(target) Release/obj.target/sendfile/native/sendfile.o\nmake: cc: No such file or directory',
      'no C toolchain: install gcc (or another cc) and make, then rebuild',
    ],
    [
      'no Node.js headers',
      '../native/sendfile.c:12:10: fatal error: node_api.h: No such file or directory',
      'the Node.js headers are missing: install them (or pass --nodedir to node-gyp) and rebuild',
    ],
    [
      'no network for the headers',
      'gyp ERR! stack Error: getaddrinfo EAI_AGAIN nodejs.org',
      'node-gyp could not download the Node.js headers: install them (or pass --nodedir) and rebuild',
    ],
  ])('explains %s', async (name, log, reason) => {
    const { dir, addon } = copyPackage(name.replaceAll(' ', '-'));
    const nodeGyp = join(dir, 'fake-node-gyp.js');
    writeFileSync(nodeGyp, `console.error(${JSON.stringify(log)}); process.exit(1);`);
    const { status } = await build(dir, { PATH: dirname(process.execPath), npm_config_node_gyp: nodeGyp });
    expect(status).toMatchObject({ ok: false, reason });
    expect(readFileSync(join(dir, 'build', 'native-build.log'), 'utf8')).toContain(log);
    expect(existsSync(addon)).toBe(false);
  });

  it('does nothing as an install script in a source checkout', async () => {
    const { dir, addon } = copyPackage('checkout');
    await exec(process.execPath, [join(dir, 'scripts', 'build-native.mjs'), '--install']);
    expect(existsSync(join(dir, 'build', 'native-build.json'))).toBe(false);
    expect(readFileSync(addon, 'utf8')).toBe('stale');
  });
});
