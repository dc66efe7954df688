import type { DaemonConfig } from './config/daemon-config.js';
import { ConnectionLimiter, type ConnectionRefusal } from './connection-limiter.js';
import { LoginPenalty } from './login-penalty.js';
import type { SharedPolicy } from './shared-policy.js';
import { UserLimiter } from './user-limiter.js';

export type PolicySettings = Pick<
  DaemonConfig,
  'maxConnections' | 'maxConnectionFromSingleIP' | 'maxConnectionsPerUser' | 'penalty'
>;

/** The shared limits kept in this process's memory: the whole daemon with Workers = 1, the primary's tables else. */
export class LocalPolicy implements SharedPolicy {
  readonly #connections: ConnectionLimiter;
  readonly #users: UserLimiter;
  readonly #penalty: LoginPenalty;

  constructor(settings: PolicySettings, now: () => number = Date.now) {
    this.#connections = new ConnectionLimiter(settings.maxConnections, settings.maxConnectionFromSingleIP);
    this.#users = new UserLimiter(settings.maxConnectionsPerUser);
    this.#penalty = new LoginPenalty(settings.penalty, now);
  }

  // The tables answer at once; the synchronous forms serve the primary, which answers workers from them.

  tryConnection(address: string): ConnectionRefusal | null {
    return this.#connections.acquire(address);
  }

  tryUser(user: string): boolean {
    return this.#users.acquire(user);
  }

  penaltyFor(address: string): number {
    return this.#penalty.failed(address);
  }

  acquireConnection(address: string): Promise<ConnectionRefusal | null> {
    return Promise.resolve(this.tryConnection(address));
  }

  releaseConnection(address: string): void {
    this.#connections.release(address);
  }

  acquireUser(user: string): Promise<boolean> {
    return Promise.resolve(this.tryUser(user));
  }

  releaseUser(user: string): void {
    this.#users.release(user);
  }

  loginFailed(address: string): Promise<number> {
    return Promise.resolve(this.penaltyFor(address));
  }
}
