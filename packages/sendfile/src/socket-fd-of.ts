import type { Socket } from 'node:net';

/** What socketFdOf reads: Node's internal handle (a TCPWrap, PipeWrap or TLSWrap), null once destroyed. */
interface WithHandle {
  readonly encrypted?: unknown;
  readonly _handle?: { readonly fd?: unknown } | null;
}

/**
 * The file descriptor of a plain (not TLS) connected TCP socket, for sendFile(); undefined for a TLS socket (its
 * bytes must go through OpenSSL), a socket still connecting, a destroyed one, or one without a descriptor of its own
 * (Windows, a socket over another stream).
 *
 * It reads Node's internal `_handle.fd`, which has been there, unchanged, since Node 0.x. Write through the
 * descriptor only while `socket.writableLength` is 0: otherwise Node still has bytes of its own queued for that
 * socket and writes them later, after yours, out of order.
 */
export function socketFdOf(socket: Socket): number | undefined {
  const { encrypted, _handle: handle } = socket as unknown as WithHandle;
  if (encrypted === true || socket.connecting || socket.destroyed) return undefined;
  const fd = handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
