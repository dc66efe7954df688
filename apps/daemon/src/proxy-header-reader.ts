import type { Socket } from 'node:net';
import { PROXY_HEADER_MAX_LENGTH, type ProxyHeader, parseProxyHeader } from '@poplar/wire';

/** A header, or why none could be read (invalid, too long, too slow, or the peer went away first). */
export type ProxyHeaderOutcome = ProxyHeader | { readonly kind: 'failed'; readonly reason: string };

/**
 * Reads a PROXY protocol header (v1 or v2) off the start of a raw socket, before anything is sent on it. At most
 * PROXY_HEADER_MAX_LENGTH octets are examined (the parser has always decided by then) and the header must be
 * complete within `timeoutMs`. Whatever arrived after the header is put back onto the socket, so the session (or a
 * TLS handshake) reads the client's first bytes even when they came in the same packet as the header. Never
 * rejects; the caller destroys the socket on failure.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeaderOutcome> {
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (outcome: ProxyHeaderOutcome): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onGone);
      socket.off('close', onGone);
      resolve(outcome);
    };
    const onReadable = (): void => {
      for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const result = parseProxyHeader(buffered.subarray(0, PROXY_HEADER_MAX_LENGTH));
        if (result.kind === 'incomplete') continue;
        if (result.kind === 'invalid') {
          finish({ kind: 'failed', reason: result.reason });
          return;
        }
        // unshift() before the listener goes: the bytes are then read by whoever takes the socket next.
        if (buffered.length > result.consumed) socket.unshift(buffered.subarray(result.consumed));
        finish(result);
        return;
      }
    };
    const onGone = (): void => finish({ kind: 'failed', reason: 'connection closed before the PROXY header ended' });
    const timer = setTimeout(
      () => finish({ kind: 'failed', reason: `no complete PROXY header within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    socket.on('readable', onReadable);
    socket.once('end', onGone);
    socket.once('close', onGone);
    if (socket.destroyed) onGone();
  });
}
