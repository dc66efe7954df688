import type { ConnectionRefusal } from '../connection-limiter.js';
import { type SharedPolicy, UNAVAILABLE, type Unavailable } from '../shared-policy.js';
import type { WorkerMessage, WorkerRequest } from './messages.js';
import type { RequestChannel } from './request-channel.js';

/**
 * The shared limits as a worker sees them: every question goes to the primary, which keeps the only tables. When
 * the primary does not answer in time the worker fails safe: connections and logins get a temporary refusal, a
 * failed login the longest penalty. A grant that arrives after its question timed out is given back at once.
 */
export class RemotePolicy implements SharedPolicy {
  readonly #requests: RequestChannel<WorkerRequest>;
  readonly #notify: (message: WorkerMessage) => void;
  readonly #penaltyMaxMs: number;

  constructor(requests: RequestChannel<WorkerRequest>, notify: (message: WorkerMessage) => void, penaltyMaxMs: number) {
    this.#requests = requests;
    this.#notify = notify;
    this.#penaltyMaxMs = penaltyMaxMs;
  }

  async acquireConnection(address: string): Promise<ConnectionRefusal | Unavailable | null> {
    const late = (granted: unknown): void => {
      if (granted === null) this.releaseConnection(address);
    };
    try {
      return (await this.#requests.request({ op: 'acquire-connection', address }, late)) as ConnectionRefusal | null;
    } catch {
      return UNAVAILABLE;
    }
  }

  releaseConnection(address: string): void {
    this.#notify({ poplar: 'release', what: 'connection', key: address });
  }

  async acquireUser(user: string): Promise<boolean | Unavailable> {
    const late = (granted: unknown): void => {
      if (granted === true) this.releaseUser(user);
    };
    try {
      return (await this.#requests.request({ op: 'acquire-user', user }, late)) === true;
    } catch {
      return UNAVAILABLE;
    }
  }

  releaseUser(user: string): void {
    this.#notify({ poplar: 'release', what: 'user', key: user });
  }

  async loginFailed(address: string): Promise<number> {
    try {
      return Number(await this.#requests.request({ op: 'login-failed', address }));
    } catch {
      return this.#penaltyMaxMs;
    }
  }
}
