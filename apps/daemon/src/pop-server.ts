import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { type AddressInfo, createServer, isIP, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionInfo, RunOptions, SessionSummary } from '@poplar/session';
import type { ListenAddress } from './config/listen-address.js';
import type { ConnectionRefusal } from './connection-limiter.js';
import { type ConnectionEndpoints, type ProxyProtocolOptions, setUpConnection } from './connection-setup.js';
import type { Logger } from './logger.js';
import type { SessionPolicy } from './session-policy.js';
import { type SharedPolicy, UNAVAILABLE } from './shared-policy.js';
import { type TlsCredentials, upgradeToTls } from './tls-credentials.js';

/** The engine as the server uses it: run one session over a stream; never rejects. */
export interface SessionRunner {
  run(stream: Duplex, connection: ConnectionInfo, options: RunOptions): Promise<SessionSummary>;
}

export type ListenerKind = 'plain' | 'tls';

export interface PopServerOptions {
  readonly runner: SessionRunner;
  readonly policy: SessionPolicy;
  /** MaxConnections and MaxConnectionFromSingleIP, for the whole daemon. */
  readonly limits: Pick<SharedPolicy, 'acquireConnection' | 'releaseConnection'>;
  readonly logger: Logger;
  readonly tls: TlsCredentials | undefined;
  /** Longest wait for a TLS handshake on the implicit-TLS listener. */
  readonly handshakeTimeoutMs: number;
  /** The line sent to a connection refused at accept. */
  readonly refusal: string;
  /** The line sent when the limits could not be checked in time (a temporary error: the client may retry). */
  readonly unavailable: string;
  /** Trusted proxies and header timeout, for listeners opened with `proxyProtocol`. */
  readonly proxy?: ProxyProtocolOptions;
}

export interface BoundListener {
  readonly kind: ListenerKind;
  readonly address: string;
  readonly port: number;
  /** Each connection starts with a PROXY protocol header from a trusted proxy. */
  readonly proxyProtocol: boolean;
}

/** Refusals on the TLS port cost a handshake each: past this many at once, refused sockets are just closed. */
const MAX_REFUSAL_HANDSHAKES = 16;
const LINGER_MS = 5000;

/**
 * Listeners and connections: accepts, applies the connection limits, runs the TLS handshake on the implicit-TLS
 * port, hands each stream to the session engine and logs one line per session. Holds no protocol logic.
 */
export class PopServer {
  readonly #options: PopServerOptions;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<Promise<void>>();
  readonly #shutdown = PopServer.#shutdownController();
  #refusalHandshakes = 0;
  #closing = false;

  /** Every live session listens on the shutdown signal: thousands of listeners are expected, not a leak. */
  static #shutdownController(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  constructor(options: PopServerOptions) {
    this.#options = options;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  async listen(at: ListenAddress, kind: ListenerKind, proxyProtocol = false): Promise<BoundListener> {
    if (kind === 'tls' && this.#options.tls === undefined)
      throw new Error('an implicit-TLS listener needs a certificate');
    const proxy = proxyProtocol ? this.#options.proxy : undefined;
    if (proxyProtocol && proxy === undefined) throw new Error('a PROXY protocol listener needs trusted proxies');
    const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 }, (socket) =>
      this.#accept(socket, kind, proxy),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // An IPv6 wildcard listener must not also claim IPv4, so "0.0.0.0:110" and "[::]:110" can both be bound.
      server.listen({ host: at.host, port: at.port, ipv6Only: isIP(at.host) === 6 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.#options.logger.error('listener-error', { kind, error: err }));
    this.#servers.push(server);
    const bound = server.address() as AddressInfo;
    return { kind, address: bound.address, port: bound.port, proxyProtocol };
  }

  /**
   * Stops accepting, lets sessions finish for `graceMs`, then ends the rest through the engine's abort signal
   * (they get the shutdown -ERR and nothing is committed). Sockets still open after that are destroyed.
   */
  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    // A server's close callback waits for its connections too, so it is awaited last.
    const listenersClosed = Promise.all(this.#servers.map((server) => new Promise((resolve) => server.close(resolve))));
    if (!(await this.#settled(graceMs))) {
      this.#shutdown.abort();
      if (!(await this.#settled(LINGER_MS))) for (const socket of this.#sockets) socket.destroy();
    }
    await this.#settled(LINGER_MS);
    await listenersClosed;
  }

  /** True when every session ended within `ms`. */
  async #settled(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.#sessions.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.all([...this.#sessions]), timeout]);
      clearTimeout(timer);
    }
    return true;
  }

  #accept(socket: Socket, kind: ListenerKind, proxy: ProxyProtocolOptions | undefined): void {
    // Errors before the session takes the stream (e.g. a reset) must not go unhandled.
    socket.on('error', () => {});
    if (this.#closing) {
      socket.destroy();
      return;
    }
    // While a PROXY header is awaited the socket belongs to no session, but close() must still be able to end it.
    this.#sockets.add(socket);
    setUpConnection(socket, proxy)
      .then((setup) => {
        this.#sockets.delete(socket);
        if (this.#closing) socket.destroy();
        else if (setup.kind === 'ready') this.#admit(socket, kind, setup.endpoints);
        else if (setup.kind === 'untrusted') this.#refuse(socket, kind, setup.peer, 'TrustedProxies');
        else {
          this.#options.logger.warn('proxy-header-failed', { address: setup.peer, reason: setup.reason });
          socket.destroy();
        }
      })
      .catch((err: unknown) => {
        this.#options.logger.error('connection-error', { address: socket.remoteAddress, error: err });
        socket.destroy();
      });
  }

  /**
   * Applies the connection limits to the client (the one a PROXY header named) and starts its session. While the
   * limits are asked, the connection already counts as a session, so close() waits for the answer.
   */
  #admit(socket: Socket, kind: ListenerKind, endpoints: ConnectionEndpoints): void {
    const address = endpoints.remoteAddress;
    this.#sockets.add(socket);
    const session = this.#admitted(socket, kind, endpoints)
      .catch((err: unknown) => {
        this.#options.logger.error('connection-error', { address, error: err });
        socket.destroy();
      })
      .finally(() => {
        this.#sockets.delete(socket);
        this.#sessions.delete(session);
      });
    this.#sessions.add(session);
  }

  async #admitted(socket: Socket, kind: ListenerKind, endpoints: ConnectionEndpoints): Promise<void> {
    const { limits } = this.#options;
    const address = endpoints.remoteAddress;
    const refusal = await limits.acquireConnection(address);
    if (refusal !== null) {
      this.#refuse(socket, kind, address, refusal);
      return;
    }
    try {
      if (this.#closing) socket.destroy();
      else await this.#serve(socket, kind, endpoints);
    } finally {
      limits.releaseConnection(address);
    }
  }

  async #serve(socket: Socket, kind: ListenerKind, endpoints: ConnectionEndpoints): Promise<void> {
    const { logger, policy, runner } = this.#options;
    const { remoteAddress: address, remotePort, localAddress, localPort } = endpoints;
    const id = randomBytes(6).toString('base64url');
    const started = Date.now();
    let stream: Duplex = socket;
    if (kind === 'tls') {
      try {
        stream = await upgradeToTls(socket, this.#tlsContext(), this.#options.handshakeTimeoutMs);
      } catch (err) {
        logger.info('tls-failed', { id, address, error: err });
        socket.destroy();
        return;
      }
    }
    const connection: ConnectionInfo = {
      id,
      remoteAddress: address,
      secure: kind === 'tls',
      ...(remotePort === undefined ? {} : { remotePort }),
      ...(localAddress === undefined ? {} : { localAddress }),
      ...(localPort === undefined ? {} : { localPort }),
    };
    policy.begin(id);
    const summary = await runner.run(stream, connection, { signal: this.#shutdown.signal });
    const stats = policy.end(id);
    logger.info('session', {
      id,
      address,
      port: remotePort,
      proxy: endpoints.proxy,
      listener: kind,
      tls: kind === 'tls' || stats.startTls,
      user: summary.user,
      mechanism: stats.mechanism,
      failedLogins: stats.failedLogins,
      commands: summary.commands,
      retrieved: summary.retrieved,
      deleted: summary.deleted,
      bytesIn: summary.bytesIn,
      bytesOut: summary.bytesOut,
      bytesFromFiles: summary.bytesFromFiles,
      end: summary.end,
      durationMs: Date.now() - started,
    });
    // After STLS the raw socket carries TLS records: ending it here could cut the encrypted tail short.
    await linger(stream, !stats.startTls);
  }

  #tlsContext() {
    const tls = this.#options.tls;
    if (tls === undefined) throw new Error('no TLS certificate is configured');
    return tls.context;
  }

  #refuse(
    socket: Socket,
    kind: ListenerKind,
    address: string,
    setting: ConnectionRefusal | 'TrustedProxies' | typeof UNAVAILABLE,
  ): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const unavailable = setting === UNAVAILABLE;
    this.#options.logger.warn(
      'connection-refused',
      unavailable ? { address, reason: 'limits-unavailable' } : { address, setting },
    );
    const line = unavailable ? this.#options.unavailable : this.#options.refusal;
    if (kind === 'plain') {
      socket.end(line);
      void linger(socket);
      return;
    }
    if (this.#refusalHandshakes >= MAX_REFUSAL_HANDSHAKES) {
      socket.destroy();
      return;
    }
    this.#refusalHandshakes += 1;
    upgradeToTls(socket, this.#tlsContext(), this.#options.handshakeTimeoutMs)
      .then((secure) => {
        secure.end(line);
        return linger(secure);
      })
      .catch(() => socket.destroy())
      .finally(() => {
        this.#refusalHandshakes -= 1;
      });
  }
}

/** Lets the last reply drain after the session ended the stream, then makes sure the socket is gone. */
function linger(stream: Duplex, end = true): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  if (end && !stream.writableEnded) stream.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, LINGER_MS);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
