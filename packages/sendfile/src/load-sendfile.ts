import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '@poplar/native-addon';
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
  const loaded = loadNativeAddon(path, {
    packageName: '@poplar/sendfile',
    isModule: isNativeModule,
    requirements: 'gcc, make and python3',
  });
  // The native function itself: no wrapper on a path taken once per message sent.
  return loaded.ok ? { ok: true, binding: { path, sendFile: loaded.native.sendFile } } : loaded;
}
