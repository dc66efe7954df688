/** node-gyp's exit status and output (stdout, then stderr). */
export interface NodeGypRun {
  readonly status: number | null;
  readonly log: string;
}

/**
 * Runs `node-gyp rebuild --jobs max` in `packageDir`, with `--nodedir` when headers are on this machine; undefined
 * when there is no node-gyp to run.
 */
export function runNodeGyp(packageDir: string): NodeGypRun | undefined;

/** @internal Where localNodeHeaders looks, for tests; each defaults to this process's. */
export interface NodeHeadersLookup {
  readonly execPath?: string;
  readonly version?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly otherPrefixes?: readonly string[];
}

/** @internal The prefix whose include/node holds the headers to build with, or undefined to let node-gyp decide. */
export function localNodeHeaders(lookup?: NodeHeadersLookup): string | undefined;
