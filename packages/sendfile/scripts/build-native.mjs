#!/usr/bin/env node
// Builds the native addon (build/Release/sendfile.node) with node-gyp: one C file, plain Node-API, no libraries.
//
// A failed build never fails the install or the workspace build: the JavaScript still loads and loadSendfile()
// reports why the addon is missing. The outcome is recorded in build/native-build.json (read by loadSendfile) and
// the compiler output in build/native-build.log.
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
const addon = join(buildDir, 'Release', 'sendfile.node');
const statusFile = join(buildDir, 'native-build.json');
const logFile = join(buildDir, 'native-build.log');
const args = new Set(process.argv.slice(2));

if (args.has('--install') && !packageDir.split(sep).includes('node_modules')) process.exit(0);

if (!args.has('--force') && upToDate()) {
  console.log('@poplar/sendfile: native addon is up to date');
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
  console.log('@poplar/sendfile: native addon built');
} else {
  // Never leave an addon from an older build next to a record saying the build failed.
  rmSync(addon, { force: true });
  const tail = result.log.trim().split('\n').slice(-15).join('\n');
  console.warn(`@poplar/sendfile: native addon NOT built: ${result.reason}${tail ? `\n${tail}` : ''}`);
  console.warn('@poplar/sendfile: the package still loads; loadSendfile() returns { ok: false, reason }');
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
  // Elsewhere a file goes out through ordinary writes; the C code uses Linux's sendfile(2) signature.
  if (process.platform !== 'linux') return fail('sendfile(2) of a file to a socket is used on Linux only');
  const require = createRequire(join(packageDir, 'package.json'));
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
  // Not just "find Python": node-gyp logs `gyp info find Python using Python version ...` on success too.
  if (/Could not find any Python|gyp ERR! find Python/.test(log))
    return 'node-gyp needs Python 3: install python3 and rebuild';
  if (/(make|cc|gcc|clang): (not found|No such file)|not found: (make|cc|gcc)/.test(log)) {
    return 'no C toolchain: install gcc (or another cc) and make, then rebuild';
  }
  if (/node_api\.h: No such file/.test(log)) {
    return 'the Node.js headers are missing: install them (or pass --nodedir to node-gyp) and rebuild';
  }
  if (/getaddrinfo|ECONNREFUSED|ETIMEDOUT|404 response|tarball/i.test(log)) {
    return 'node-gyp could not download the Node.js headers: install them (or pass --nodedir) and rebuild';
  }
  return 'node-gyp failed, see build/native-build.log';
}
