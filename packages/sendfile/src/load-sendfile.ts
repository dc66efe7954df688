import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNativeModule } from './native-module.js';

/** The loaded native addon. */
export interface SendfileBinding {
  /** Where the addon was loaded from. */
  readonly path: string;
  /**
   * Writes `head` (may be empty), then bytes [offset, offset + length) of the file, to a non-blocking stream socket
   * without blocking: send(2) for the head, sendfile(2) for the file, whose own position does not move. Returns the
   * bytes written in all, head first; fewer than `head.byteLength + length` when the socket's send buffer filled or
   * the file is shorter, and the caller goes on with ordinary writes from there. Throws an Error with `code` (EPIPE,
   * ECONNRESET, EBADF, ENOTSOCK, EINVAL, ...), `errno` and `syscall` when a call fails before anything was written;
   * after that it returns the count and the next write reports the error. Invalid arguments throw TypeError or
   * RangeError.
   */
  sendFile(socketFd: number, head: Uint8Array, fileFd: number, offset: number, length: number): number;
}

export type LoadSendfileResult =
  | { readonly ok: true; readonly binding: SendfileBinding }
  | { readonly ok: false; readonly reason: string };

/** build/Release/sendfile.node, seen from src/ and from dist/ alike. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/sendfile.node', import.meta.url));

const REBUILD =
  'then rebuild (`npm rebuild @poplar/sendfile`; in a source checkout `pnpm --filter @poplar/sendfile build:native`)';

let defaultResult: LoadSendfileResult | undefined;

/**
 * Loads the native addon. Never throws: when the addon is missing or cannot load, the result says why and what to
 * install. The default addon is loaded once per process; `path` loads another build (tests, custom builds).
 */
export function loadSendfile(options: { readonly path?: string } = {}): LoadSendfileResult {
  if (options.path !== undefined) return load(resolve(options.path));
  defaultResult ??= load(DEFAULT_ADDON_PATH);
  return defaultResult;
}

function load(path: string): LoadSendfileResult {
  if (!existsSync(path)) return { ok: false, reason: notBuilt(path) };
  let native: unknown;
  try {
    native = createRequire(import.meta.url)(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `the native addon ${path} failed to load (${message.split('\n')[0]}): ${REBUILD}` };
  }
  if (!isNativeModule(native)) return { ok: false, reason: `${path} is not the @poplar/sendfile addon` };
  // The native function itself: no wrapper on a path taken once per message sent.
  return { ok: true, binding: { path, sendFile: native.sendFile } };
}

/** The build script records why it could not build the addon in build/native-build.json. */
function notBuilt(path: string): string {
  const statusFile = join(dirname(path), '..', 'native-build.json');
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return `the native addon was not built: ${status.reason}`;
  } catch {}
  return `the native addon was not built (${path} is missing): install gcc, make and python3, ${REBUILD}`;
}
