// Runs `node-gyp rebuild` for a package, with the node-gyp and the Node.js headers that need no download when there
// are such.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Runs `node-gyp rebuild --jobs max` in `packageDir` and returns its exit status and its output (stdout, then
 * stderr), or undefined when there is no node-gyp to run.
 */
export function runNodeGyp(packageDir) {
  const gypArgs = ['rebuild', '--jobs', 'max'];
  const nodeDir = localNodeHeaders();
  if (nodeDir) gypArgs.push(`--nodedir=${nodeDir}`);
  const script = findNodeGyp(createRequire(join(packageDir, 'package.json')));
  const options = { cwd: packageDir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 };
  const run = script
    ? spawnSync(process.execPath, [script, ...gypArgs], options)
    : spawnSync('node-gyp', gypArgs, options);
  if (run.error?.code === 'ENOENT') return undefined;
  return { status: run.status, log: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}` };
}

/**
 * node-gyp's script: the one npm names in scripts' environment, one installed for the package, or npm's bundled one
 * next to this node. Undefined means: try `node-gyp` on PATH.
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

/**
 * Node.js headers already on this machine, so that node-gyp downloads none: those installed with this node when
 * their version matches it; else, unless the user named some (`npm_config_nodedir`, which node-gyp reads itself),
 * those of another installed node (a distribution's package puts them under /usr): an addon built on Node-API
 * against one version's headers loads in later versions. Undefined when there are none (node-gyp downloads them).
 * @internal Exported for tests.
 */
export function localNodeHeaders({
  execPath = process.execPath,
  version = process.version,
  env = process.env,
  otherPrefixes = ['/usr/local', '/usr'],
} = {}) {
  const own = join(dirname(execPath), '..');
  if (headersVersion(own) === version) return own;
  if (env.npm_config_nodedir) return undefined;
  return [own, ...otherPrefixes].find((prefix) => existsSync(join(prefix, 'include', 'node', 'node_api.h')));
}

/** The version of the headers under `prefix` ("v20.19.0"), or undefined when there are none. */
function headersVersion(prefix) {
  const versionHeader = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return undefined;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
}
