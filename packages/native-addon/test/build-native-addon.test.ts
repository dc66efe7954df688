// buildNativeAddon as packages run it: a small package's scripts/build-native.mjs in a child process, with a fake
// node-gyp (npm_config_node_gyp) that prints a log, exits with a status and may write the addon, so that every
// outcome can be seen without a compiler.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'poplar-native-addon-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BUILD_SCRIPT = `import { buildNativeAddon } from '@poplar/native-addon';
const outcome = buildNativeAddon({
  packageName: '@fixture/addon',
  packageDir: new URL('..', import.meta.url),
  addonName: 'fixture',
  loaderName: 'loadFixture',
  language: process.env.FIXTURE_LANGUAGE ?? 'c',
  precheck: () => process.env.FIXTURE_PRECHECK,
  explain: (log) => (/fixture\\.h: No such file/.test(log) ? 'fixture headers missing: install libfixture-dev' : undefined),
});
console.log(\`outcome: \${outcome}\`);
`;

// Appends its arguments and directory to gyp-calls, prints FAKE_GYP_LOG, writes the addon when FAKE_GYP_BUILD is set.
const fakeNodeGyp = join(root, 'fake-node-gyp.js');
writeFileSync(
  fakeNodeGyp,
  `const fs = require('node:fs');
fs.appendFileSync('gyp-calls', JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }) + '\\n');
if (process.env.FAKE_GYP_LOG) console.error(process.env.FAKE_GYP_LOG);
if (process.env.FAKE_GYP_BUILD) fs.writeFileSync('build/Release/fixture.node', 'built');
process.exit(Number(process.env.FAKE_GYP_STATUS ?? 1));
`,
);

const LONG_AGO = new Date('2020-01-01T00:00:00Z');
let fixtures = 0;

interface Fixture {
  readonly dir: string;
  readonly addon: string;
}

/** A package whose build script calls buildNativeAddon, with sources from long ago and a stale addon. */
function fixturePackage(name: string, parent = root): Fixture {
  const dir = join(parent, `${++fixtures}-${name.replace(/\W+/g, '-')}`);
  for (const sub of ['scripts', 'native', 'node_modules/@poplar', 'build/Release'])
    mkdirSync(join(dir, sub), { recursive: true });
  symlinkSync(packageDir, join(dir, 'node_modules', '@poplar', 'native-addon'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@fixture/addon', version: '0.0.0' }));
  writeFileSync(join(dir, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'fixture' }] }));
  writeFileSync(join(dir, 'native', 'fixture.c'), '#include <node_api.h>\n');
  for (const source of ['binding.gyp', 'native/fixture.c']) utimesSync(join(dir, source), LONG_AGO, LONG_AGO);
  writeFileSync(join(dir, 'scripts', 'build-native.mjs'), BUILD_SCRIPT);
  const addon = join(dir, 'build', 'Release', 'fixture.node');
  writeFileSync(addon, 'stale');
  return { dir, addon };
}

async function run(fixture: Fixture, args: string[], env: NodeJS.ProcessEnv = {}) {
  const script = join(fixture.dir, 'scripts', 'build-native.mjs');
  const { stdout, stderr } = await exec(process.execPath, [script, ...args], {
    cwd: fixture.dir,
    env: { PATH: dirname(process.execPath), npm_config_node_gyp: fakeNodeGyp, ...env },
  });
  return { outcome: /^outcome: (.*)$/m.exec(stdout)?.[1], stdout, stderr };
}

function record(fixture: Fixture): unknown {
  return JSON.parse(readFileSync(join(fixture.dir, 'build', 'native-build.json'), 'utf8'));
}

function log(fixture: Fixture): string {
  return readFileSync(join(fixture.dir, 'build', 'native-build.log'), 'utf8');
}

function gypCalls(fixture: Fixture): { args: string[]; cwd: string }[] {
  const file = join(fixture.dir, 'gyp-calls');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('buildNativeAddon with --install', () => {
  it('does nothing in a source checkout', async () => {
    const fixture = fixturePackage('checkout');
    const { outcome, stdout } = await run(fixture, ['--install'], { FAKE_GYP_STATUS: '0', FAKE_GYP_BUILD: '1' });
    expect(outcome).toBe('skipped');
    expect(stdout).toBe('outcome: skipped\n');
    expect(gypCalls(fixture)).toEqual([]);
    expect(existsSync(join(fixture.dir, 'build', 'native-build.json'))).toBe(false);
    expect(readFileSync(fixture.addon, 'utf8')).toBe('stale');
  });

  it('builds when the package is installed inside node_modules', async () => {
    const fixture = fixturePackage('installed', join(root, 'app', 'node_modules', '@fixture'));
    const { outcome } = await run(fixture, ['--install'], { FAKE_GYP_STATUS: '0', FAKE_GYP_BUILD: '1' });
    expect(outcome).toBe('built');
    expect(gypCalls(fixture)).toHaveLength(1);
    expect(readFileSync(fixture.addon, 'utf8')).toBe('built');
  });
});

describe('buildNativeAddon when node-gyp succeeds', () => {
  const success = { FAKE_GYP_STATUS: '0', FAKE_GYP_BUILD: '1', FAKE_GYP_LOG: 'gyp info ok' };

  it('runs node-gyp rebuild in the package and records the build', async () => {
    const fixture = fixturePackage('built');
    const { outcome, stdout } = await run(fixture, [], success);
    expect(outcome).toBe('built');
    expect(stdout).toBe('@fixture/addon: native addon built\noutcome: built\n');
    expect(record(fixture)).toEqual({ ok: true, reason: null, node: process.version });
    expect(log(fixture)).toBe('gyp info ok\n');
    const [call, ...more] = gypCalls(fixture);
    expect(more).toEqual([]);
    expect(call?.cwd).toBe(fixture.dir);
    expect(call?.args.slice(0, 3)).toEqual(['rebuild', '--jobs', 'max']);
    // The headers next to node, when they are there and match it.
    for (const arg of call?.args.slice(3) ?? []) expect(arg).toMatch(/^--nodedir=\//);
  });

  it('skips the build while the addon is newer than binding.gyp and native/, unless forced', async () => {
    const fixture = fixturePackage('up-to-date');
    expect((await run(fixture, [], success)).outcome).toBe('built');
    const skipped = await run(fixture, [], success);
    expect(skipped.stdout).toBe('@fixture/addon: native addon is up to date\noutcome: up-to-date\n');
    expect(gypCalls(fixture)).toHaveLength(1);

    expect((await run(fixture, ['--force'], success)).outcome).toBe('built');
    expect(gypCalls(fixture)).toHaveLength(2);

    const later = new Date(Date.now() + 60_000);
    for (const source of ['native/fixture.c', 'binding.gyp']) {
      utimesSync(join(fixture.dir, source), later, later);
      expect((await run(fixture, [], success)).outcome).toBe('built');
      utimesSync(join(fixture.dir, source), LONG_AGO, LONG_AGO);
      expect((await run(fixture, [], success)).outcome).toBe('up-to-date');
    }
    expect(gypCalls(fixture)).toHaveLength(4);

    // Without its record, an addon is not taken as built.
    rmSync(join(fixture.dir, 'build', 'native-build.json'));
    expect((await run(fixture, [], success)).outcome).toBe('built');
  });
});

describe('buildNativeAddon when the addon cannot be built', () => {
  it('records the precheck reason, removes the stale addon and exits 0 without running node-gyp', async () => {
    const fixture = fixturePackage('precheck');
    const { outcome, stdout, stderr } = await run(fixture, [], { FIXTURE_PRECHECK: 'widgets are Linux only' });
    expect(outcome).toBe('failed');
    expect(stdout).toBe('outcome: failed\n');
    expect(stderr).toBe(
      '@fixture/addon: native addon NOT built: widgets are Linux only\n' +
        '@fixture/addon: the package still loads; loadFixture() returns { ok: false, reason }\n',
    );
    expect(record(fixture)).toEqual({ ok: false, reason: 'widgets are Linux only', node: process.version });
    expect(log(fixture)).toBe('');
    expect(existsSync(fixture.addon)).toBe(false);
    expect(gypCalls(fixture)).toEqual([]);
  });

  it('prints the reason with the last 15 lines of the log', async () => {
    const fixture = fixturePackage('long-log');
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const { stderr } = await run(fixture, [], { FAKE_GYP_LOG: lines.join('\n') });
    expect(stderr).toBe(
      '@fixture/addon: native addon NOT built: node-gyp failed, see build/native-build.log\n' +
        `${lines.slice(5).join('\n')}\n` +
        '@fixture/addon: the package still loads; loadFixture() returns { ok: false, reason }\n',
    );
    expect(log(fixture)).toBe(`${lines.join('\n')}\n`);
  });

  // What node-gyp prints in each case (seen with node-gyp 12 on Debian), replayed by the fake node-gyp.
  it.each([
    [
      'no Python',
      'c',
      'gyp ERR! find Python checking if "python3" can be used\ngyp ERR! stack Error: Could not find any Python installation to use',
      'node-gyp needs Python 3: install python3 and rebuild',
    ],
    [
      'no make, once Python was found',
      'c',
      'gyp info find Python using Python version 3.11.2\ngyp ERR! stack Error: not found: make',
      'no C toolchain: install gcc (or another cc) and make, then rebuild',
    ],
    [
      'no C compiler',
      'c',
      '  CC(target) Release/obj.target/fixture/native/fixture.o\nmake: cc: No such file or directory',
      'no C toolchain: install gcc (or another cc) and make, then rebuild',
    ],
    [
      'no C++ compiler',
      'c++',
      '  CXX(target) Release/obj.target/fixture/native/fixture.o\n/bin/sh: 1: g++: not found',
      'no C++ toolchain: install g++ and make, then rebuild',
    ],
    [
      'no Node.js headers',
      'c++',
      '../native/fixture.cc:1:10: fatal error: node_api.h: No such file or directory',
      'the Node.js headers are missing: install them (or pass --nodedir to node-gyp) and rebuild',
    ],
    [
      'no network for the headers',
      'c',
      'gyp ERR! stack Error: getaddrinfo EAI_AGAIN nodejs.org',
      'node-gyp could not download the Node.js headers: install them (or pass --nodedir) and rebuild',
    ],
    [
      'any other failure',
      'c',
      "../native/fixture.c:3:1: error: expected ';' before '}' token",
      'node-gyp failed, see build/native-build.log',
    ],
    [
      'what the package explains, before the common rules',
      'c',
      '../native/fixture.c:1:10: fatal error: fixture.h: No such file or directory\n' +
        '../native/fixture.c:2:10: fatal error: node_api.h: No such file or directory',
      'fixture headers missing: install libfixture-dev',
    ],
  ])('explains %s', async (name, language, gypLog, reason) => {
    const fixture = fixturePackage(name);
    const { outcome, stderr } = await run(fixture, [], { FIXTURE_LANGUAGE: language, FAKE_GYP_LOG: gypLog });
    expect(outcome).toBe('failed');
    expect(stderr).toContain(`@fixture/addon: native addon NOT built: ${reason}\n`);
    expect(record(fixture)).toEqual({ ok: false, reason, node: process.version });
    expect(log(fixture)).toBe(`${gypLog}\n`);
    expect(existsSync(fixture.addon)).toBe(false);
  });

  it('fails a node-gyp that exits 0 without making the addon', async () => {
    const fixture = fixturePackage('no-addon');
    rmSync(fixture.addon);
    const { outcome } = await run(fixture, [], { FAKE_GYP_STATUS: '0', FAKE_GYP_LOG: 'gyp info ok' });
    expect(outcome).toBe('failed');
    expect(record(fixture)).toEqual({
      ok: false,
      reason: 'node-gyp failed, see build/native-build.log',
      node: process.version,
    });
  });

  it('refuses a language it has no toolchain for, before doing anything', async () => {
    const fixture = fixturePackage('rust');
    await expect(run(fixture, [], { FIXTURE_LANGUAGE: 'rust' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('TypeError: language must be one of c, c++'),
    });
    expect(existsSync(join(fixture.dir, 'build', 'native-build.json'))).toBe(false);
    expect(readFileSync(fixture.addon, 'utf8')).toBe('stale');
  });
});
