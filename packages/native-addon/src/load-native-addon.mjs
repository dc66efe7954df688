// Loads a package's addon without throwing: the result says why it cannot be used. See load-native-addon.d.mts.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Loads the addon at `path` (absolute) and checks that it is the package's:
 * `{ ok: true, native }` or `{ ok: false, reason }`.
 */
export function loadNativeAddon(path, options) {
  const { packageName } = options;
  const rebuild =
    `then rebuild (\`npm rebuild ${packageName}\`; ` +
    `in a source checkout \`pnpm --filter ${packageName} build:native\`)`;
  if (!existsSync(path)) return { ok: false, reason: notBuilt(path, options.requirements, rebuild) };
  let native;
  try {
    native = require(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason =
      options.explainLoadError?.(error) ||
      `the native addon ${path} failed to load (${message.split('\n')[0]}): ${rebuild}`;
    return { ok: false, reason };
  }
  if (!options.isModule(native)) return { ok: false, reason: `${path} is not the ${packageName} addon` };
  return { ok: true, native };
}

/** The build script records why it could not build the addon in build/native-build.json. */
function notBuilt(path, requirements, rebuild) {
  const statusFile = join(dirname(path), '..', 'native-build.json');
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8'));
    if (status.ok === false && status.reason) return `the native addon was not built: ${status.reason}`;
  } catch {}
  return `the native addon was not built (${path} is missing): install ${requirements}, ${rebuild}`;
}
