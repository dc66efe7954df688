// The whole of a package's scripts/build-native.mjs: build the addon with node-gyp, record the outcome, and never
// fail. See build-native-addon.d.mts for the options.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainBuildLog, LANGUAGES } from './explain-build-log.mjs';
import { runNodeGyp } from './run-node-gyp.mjs';

/**
 * Builds `build/Release/<addonName>.node` in `packageDir` unless `argv` says otherwise, writes build/native-build.log
 * and build/native-build.json ({ ok, reason, node }), and tells the user on the console. Returns what it did.
 */
export function buildNativeAddon(options) {
  const { packageName, addonName, loaderName, language } = options;
  if (!LANGUAGES.includes(language)) throw new TypeError(`language must be one of ${LANGUAGES.join(', ')}`);
  const packageDir = options.packageDir instanceof URL ? fileURLToPath(options.packageDir) : options.packageDir;
  const buildDir = join(packageDir, 'build');
  const addon = join(buildDir, 'Release', `${addonName}.node`);
  const statusFile = join(buildDir, 'native-build.json');
  const args = new Set(options.argv ?? process.argv.slice(2));

  // An install script in a source checkout: the package's build script builds there.
  if (args.has('--install') && !packageDir.split(sep).includes('node_modules')) return 'skipped';

  if (!args.has('--force') && upToDate(packageDir, addon, statusFile)) {
    console.log(`${packageName}: native addon is up to date`);
    return 'up-to-date';
  }

  const result = build(packageDir, addon, options);
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(join(buildDir, 'native-build.log'), result.log);
  writeFileSync(
    statusFile,
    `${JSON.stringify({ ok: result.ok, reason: result.reason, node: process.version }, null, 2)}\n`,
  );
  if (result.ok) {
    console.log(`${packageName}: native addon built`);
    return 'built';
  }
  // Never leave an addon from an older build next to a record saying the build failed.
  rmSync(addon, { force: true });
  const tail = result.log.trim().split('\n').slice(-15).join('\n');
  console.warn(`${packageName}: native addon NOT built: ${result.reason}${tail ? `\n${tail}` : ''}`);
  console.warn(`${packageName}: the package still loads; ${loaderName}() returns { ok: false, reason }`);
  return 'failed';
}

/** The addon and its record exist, and the addon is newer than binding.gyp and every file in native/. */
function upToDate(packageDir, addon, statusFile) {
  if (!existsSync(addon) || !existsSync(statusFile)) return false;
  const built = statSync(addon).mtimeMs;
  const sources = [
    join(packageDir, 'binding.gyp'),
    ...readdirSync(join(packageDir, 'native')).map((f) => join(packageDir, 'native', f)),
  ];
  return sources.every((file) => statSync(file).mtimeMs < built);
}

function build(packageDir, addon, { precheck, explain, language }) {
  const refused = precheck?.();
  if (refused) return fail(refused);
  const run = runNodeGyp(packageDir);
  if (!run) return fail('node-gyp not found: install node-gyp (npm i -g node-gyp) and rebuild');
  if (run.status === 0 && existsSync(addon)) return { ok: true, reason: null, log: run.log };
  return { ok: false, reason: explain?.(run.log) || explainBuildLog(run.log, language), log: run.log };
}

function fail(reason) {
  return { ok: false, reason, log: '' };
}
