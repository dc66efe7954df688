export interface LoadNativeAddonOptions<Native> {
  /** The package's name, e.g. '@poplar/sendfile': in the reasons, and in how to rebuild (`build:native` script). */
  readonly packageName: string;
  /** Whether what require() returned is this addon (its functions are there). */
  readonly isModule: (value: unknown) => value is Native;
  /** What building needs, said after "install " when the addon was not built, e.g. 'gcc, make and python3'. */
  readonly requirements: string;
  /**
   * The package's reading of an error from require(), e.g. a shared library the dynamic loader cannot find: a
   * reason, or undefined for the common "failed to load" one.
   */
  readonly explainLoadError?: ((error: unknown) => string | undefined) | undefined;
}

export type LoadNativeAddonResult<Native> =
  | { readonly ok: true; readonly native: Native }
  | { readonly ok: false; readonly reason: string };

/**
 * Loads the addon at `path` (absolute; build/Release/<name>.node) with require(). Never throws: when the file is
 * missing, the reason is the one buildNativeAddon recorded in build/native-build.json, else what to install and how
 * to rebuild; when require() fails, the package's `explainLoadError` or the error's first line; when the module is
 * not the addon, its path. Nothing is cached: the package keeps its default addon's result.
 */
export function loadNativeAddon<Native>(
  path: string,
  options: LoadNativeAddonOptions<Native>,
): LoadNativeAddonResult<Native>;
