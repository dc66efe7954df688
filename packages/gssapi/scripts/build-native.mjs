#!/usr/bin/env node
// Builds the native addon (build/Release/gssapi.node) with node-gyp against MIT Kerberos.
//
// A failed build never fails the install or the workspace build: the JavaScript still loads and loadGssapi()
// reports why the addon is missing. The outcome is recorded in build/native-build.json (read by loadGssapi) and the
// compiler output in build/native-build.log.
//
//   node scripts/build-native.mjs            build unless the addon is newer than its sources
//   node scripts/build-native.mjs --force    always rebuild
//   node scripts/build-native.mjs --install  as an install script: does nothing in a source checkout (the
//                                            package's build script builds there), builds when installed as a
//                                            dependency (inside node_modules)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const buildDir = join(packageDir, 'build');
const addon = join(buildDir, 'Release', 'gssapi.node');
const statusFile = join(buildDir, 'native-build.json');
const logFile = join(buildDir, 'native-build.log');
const args = new Set(process.argv.slice(2));

if (args.has('--install') && !packageDir.split(sep).includes('node_modules')) process.exit(0);

if (!args.has('--force') && upToDate()) {
  console.log('@poplar/gssapi: native addon is up to date');
  process.exit(0);
}

const result = build();
mkdirSync(buildDir, { recursive: true });
writeFileSync(logFile, result.log);
writeFileSync(
  statusFile,
  `${JSON.stringify({ ok: result.ok, reason: result.reason, node: process.version }, null, 2)}\n`,
);
if (result.ok) {
  console.log('@poplar/gssapi: native addon built');
} else {
  // Never leave an addon from an older build next to a record saying the build failed.
  rmSync(addon, { force: true });
  const tail = result.log.trim().split('\n').slice(-15).join('\n');
  console.warn(`@poplar/gssapi: native addon NOT built: ${result.reason}${tail ? `\n${tail}` : ''}`);
  console.warn('@poplar/gssapi: the package still loads; loadGssapi() returns { ok: false, reason }');
}

function upToDate() {
  if (!existsSync(addon) || !existsSync(statusFile)) return false;
  const built = statSync(addon).mtimeMs;
  const sources = [
    join(packageDir, 'binding.gyp'),
    ...readdirSync(join(packageDir, 'native')).map((f) => join(packageDir, 'native', f)),
  ];
  return sources.every((file) => statSync(file).mtimeMs < built);
}

function build() {
  const krb5Config = spawnSync('krb5-config', ['--cflags', 'gssapi'], { encoding: 'utf8' });
  if (krb5Config.error || krb5Config.status !== 0) {
    return fail('krb5-config not found: install libkrb5-dev (Debian/Ubuntu) or krb5-devel (Fedora) and rebuild');
  }
  const require = createRequire(join(packageDir, 'package.json'));
  try {
    require.resolve('node-addon-api');
  } catch {
    return fail('node-addon-api is not installed: run the package manager install first, then rebuild');
  }
  const gypArgs = ['rebuild', '--jobs', 'max'];
  const nodeDir = localNodeHeaders();
  if (nodeDir) gypArgs.push(`--nodedir=${nodeDir}`);
  const script = findNodeGyp(require);
  const options = { cwd: packageDir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 };
  const run = script
    ? spawnSync(process.execPath, [script, ...gypArgs], options)
    : spawnSync('node-gyp', gypArgs, options);
  if (run.error?.code === 'ENOENT') return fail('node-gyp not found: install node-gyp (npm i -g node-gyp) and rebuild');
  const log = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}`;
  if (run.status === 0 && existsSync(addon)) return { ok: true, reason: null, log };
  return { ok: false, reason: explain(log), log };
}

function fail(reason) {
  return { ok: false, reason, log: '' };
}

/**
 * node-gyp's script: the one npm names in scripts' environment, an installed one, or npm's bundled one next to this
 * node. Undefined means: try `node-gyp` on PATH.
 */
function findNodeGyp(require) {
  const candidates = [
    process.env.npm_config_node_gyp,
    tryResolve(require, 'node-gyp/bin/node-gyp.js'),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((file) => file?.endsWith('.js') && existsSync(file));
}

function tryResolve(require, id) {
  try {
    return require.resolve(id);
  } catch {
    return undefined;
  }
}

/** Headers installed with this node (distribution packages, official tarballs): no download needed. */
function localNodeHeaders() {
  const prefix = join(dirname(process.execPath), '..');
  const versionHeader = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return undefined;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version ? prefix : undefined;
}

function explain(log) {
  if (/gssapi\/gssapi[_a-z]*\.h: No such file|krb5\.h: No such file/.test(log)) {
    return 'Kerberos headers missing: install libkrb5-dev and rebuild';
  }
  if (/cannot find -lgssapi_krb5|cannot find -lkrb5/.test(log))
    return 'libgssapi_krb5 missing: install libkrb5-dev and rebuild';
  if (/Could not find any Python|find Python/i.test(log)) return 'node-gyp needs Python 3: install python3 and rebuild';
  if (/(make|g\+\+|c\+\+|cc): (not found|No such file)|not found: (make|g\+\+)/.test(log)) {
    return 'no C++ toolchain: install g++ and make, then rebuild';
  }
  if (/getaddrinfo|ECONNREFUSED|ETIMEDOUT|404 response|tarball/i.test(log)) {
    return 'node-gyp could not download the Node.js headers: install them (or pass --nodedir) and rebuild';
  }
  return 'node-gyp failed, see build/native-build.log';
}
