import type { ConnectionInfo, Identity, SessionEvent, SessionHooks } from '@poplar/session';
import type { Logger } from './logger.js';
import { type SharedPolicy, UNAVAILABLE } from './shared-policy.js';

/** What the daemon learns about one session from its events, for the session's log line. */
export interface SessionStats {
  failedLogins: number;
  startTls: boolean;
  mechanism: string | undefined;
}

/**
 * The cross-session policy the engine calls back into: the per-address failed-login penalty and
 * MaxConnectionsPerUser (both from the shared policy, which may live in another process), and the per-session
 * counters that go into the log. Events carry no secrets, and none are logged here.
 */
export class SessionPolicy implements SessionHooks {
  readonly #shared: SharedPolicy;
  readonly #logger: Logger;
  readonly #stats = new Map<string, SessionStats>();

  constructor(shared: SharedPolicy, logger: Logger) {
    this.#shared = shared;
    this.#logger = logger;
  }

  begin(connectionId: string): void {
    this.#stats.set(connectionId, { failedLogins: 0, startTls: false, mechanism: undefined });
  }

  /** Forgets the session and returns what was gathered. */
  end(connectionId: string): SessionStats {
    const stats = this.#stats.get(connectionId) ?? { failedLogins: 0, startTls: false, mechanism: undefined };
    this.#stats.delete(connectionId);
    return stats;
  }

  loginFailed(connection: ConnectionInfo, _user: string | undefined): Promise<number> {
    return this.#shared.loginFailed(connection.remoteAddress);
  }

  /** Unanswered, the login gets the engine's temporary error (the throw), not a refusal the client would keep. */
  async acquireUser(identity: Identity, connection: ConnectionInfo): Promise<boolean> {
    const verdict = await this.#shared.acquireUser(identity.user);
    if (verdict === UNAVAILABLE) throw new Error('MaxConnectionsPerUser could not be checked in time');
    if (!verdict)
      this.#logger.warn('user-limit', { id: connection.id, user: identity.user, setting: 'MaxConnectionsPerUser' });
    return verdict;
  }

  releaseUser(identity: Identity, _connection: ConnectionInfo): void {
    this.#shared.releaseUser(identity.user);
  }

  event(connection: ConnectionInfo, event: SessionEvent): void {
    const stats = this.#stats.get(connection.id);
    switch (event.type) {
      case 'login-failed':
        if (stats) stats.failedLogins += 1;
        this.#logger.info('login-failed', {
          id: connection.id,
          address: connection.remoteAddress,
          user: event.user,
          mechanism: event.mechanism,
        });
        break;
      case 'login':
        if (stats) stats.mechanism = event.identity.mechanism;
        break;
      case 'tls':
        if (stats) stats.startTls = true;
        break;
      case 'error':
        this.#logger.warn('session-error', { id: connection.id, error: event.error });
        break;
      case 'command':
        break;
    }
  }
}
