import type { Socket } from 'node:net';
import type { ProxyHeader } from '@poplar/wire';
import { clientAddress } from './connection-limiter.js';
import { readProxyHeader } from './proxy-header-reader.js';

/** A listener that expects a PROXY protocol header: from whom, and how long to wait for it. */
export interface ProxyProtocolOptions {
  /** Whether the socket's own peer address may send a header (TrustedProxies). */
  readonly trusted: (peer: string | undefined) => boolean;
  readonly headerTimeoutMs: number;
}

/** Both ends of a connection as the client sees them: the logs, the limits and the session use these. */
export interface ConnectionEndpoints {
  /** The client, IPv4-mapped IPv6 written as IPv4. */
  readonly remoteAddress: string;
  readonly remotePort: number | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** The proxy that announced the client, when a PROXY header replaced the socket's own addresses. */
  readonly proxy: string | undefined;
}

export type ConnectionSetup =
  | { readonly kind: 'ready'; readonly endpoints: ConnectionEndpoints }
  /** The peer may not send a PROXY header, and the listener accepts nobody without one. */
  | { readonly kind: 'untrusted'; readonly peer: string }
  | { readonly kind: 'failed'; readonly peer: string; readonly reason: string };

/**
 * The first step of every accepted connection, before any byte is sent: on a PROXY listener, check that the peer is
 * a trusted proxy and read its header (on the raw socket, so before a TLS handshake); then name the client. Other
 * listeners take the socket's addresses as they are.
 */
export async function setUpConnection(
  socket: Socket,
  proxy: ProxyProtocolOptions | undefined,
): Promise<ConnectionSetup> {
  if (proxy === undefined) return { kind: 'ready', endpoints: socketEndpoints(socket) };
  const peer = clientAddress(socket.remoteAddress);
  if (!proxy.trusted(socket.remoteAddress)) return { kind: 'untrusted', peer };
  const header = await readProxyHeader(socket, proxy.headerTimeoutMs);
  if (header.kind === 'failed') return { kind: 'failed', peer, reason: header.reason };
  return { kind: 'ready', endpoints: announcedEndpoints(socket, header) };
}

function socketEndpoints(socket: Socket): ConnectionEndpoints {
  return {
    remoteAddress: clientAddress(socket.remoteAddress),
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    proxy: undefined,
  };
}

/** LOCAL (a proxy's health check) and UNKNOWN headers carry no client: the socket's addresses stay. */
function announcedEndpoints(socket: Socket, header: ProxyHeader): ConnectionEndpoints {
  const { source, destination } = header;
  if (source === undefined || destination === undefined) return socketEndpoints(socket);
  return {
    remoteAddress: clientAddress(source.address),
    remotePort: source.port,
    localAddress: clientAddress(destination.address),
    localPort: destination.port,
    proxy: clientAddress(socket.remoteAddress),
  };
}
