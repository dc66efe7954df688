export interface BuildNativeAddonOptions {
  /** The package's name, e.g. '@poplar/sendfile': starts every line printed. */
  readonly packageName: string;
  /**
   * The package's directory, e.g. `new URL('..', import.meta.url)` from its scripts/: holds package.json,
   * binding.gyp and native/ (the sources), and gets build/.
   */
  readonly packageDir: string | URL;
  /** binding.gyp's target_name: the addon is build/Release/<addonName>.node. */
  readonly addonName: string;
  /** The package's function that loads the addon, e.g. 'loadSendfile': named when the build fails. */
  readonly loaderName: string;
  /** The addon's language, which names the toolchain to install when the compiler or make is missing. */
  readonly language: 'c' | 'c++';
  /**
   * The script's arguments (default: `process.argv.slice(2)`). `--force` rebuilds even when the addon is newer
   * than its sources; `--install` (as the package's install script) does nothing unless the package is inside
   * node_modules, since in a source checkout the package's build script builds.
   */
  readonly argv?: readonly string[] | undefined;
  /** Checked before node-gyp runs: a reason not to build (a missing tool or platform), or undefined to go on. */
  readonly precheck?: (() => string | undefined) | undefined;
  /**
   * The package's own reading of a failed node-gyp's output (a missing library, say), tried before the common
   * one (Python, the C or C++ toolchain, the Node.js headers, their download): a reason, or undefined.
   */
  readonly explain?: ((log: string) => string | undefined) | undefined;
}

/**
 * What buildNativeAddon did: 'skipped' (`--install` in a source checkout), 'up-to-date' (the addon is newer than
 * binding.gyp and native/), 'built', or 'failed' (recorded with its reason).
 */
export type BuildNativeAddonOutcome = 'skipped' | 'up-to-date' | 'built' | 'failed';

/**
 * Builds the package's addon with `node-gyp rebuild --jobs max` (npm's node-gyp, an installed one, or one on PATH;
 * the Node.js headers installed next to `node` when their version matches, so none are downloaded). Never throws
 * for a build that fails and never fails the install: it writes the output to build/native-build.log, the outcome
 * to build/native-build.json as `{ ok, reason, node }` (reason null when built; loadNativeAddon repeats it),
 * removes an addon left by an older build, and prints the reason with the end of the log on stderr. Throws only
 * for a `language` it does not know.
 */
export function buildNativeAddon(options: BuildNativeAddonOptions): BuildNativeAddonOutcome;
