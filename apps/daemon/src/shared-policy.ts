import type { ConnectionRefusal } from './connection-limiter.js';

/** The answer when the tables could not be asked in time: refuse for now with a temporary error. */
export const UNAVAILABLE = 'unavailable';
export type Unavailable = typeof UNAVAILABLE;

/**
 * The limits and the failed-login penalty that hold for the whole daemon: MaxConnections, MaxConnectionFromSingleIP,
 * MaxConnectionsPerUser and the per-address penalty. One process keeps them in memory (LocalPolicy); worker
 * processes ask the primary, which keeps the only tables (RemotePolicy). Every acquire that is granted is released
 * exactly once by its taker.
 */
export interface SharedPolicy {
  /** Counts a connection from the client address in, or names what refuses it. */
  acquireConnection(address: string): Promise<ConnectionRefusal | Unavailable | null>;
  releaseConnection(address: string): void;
  /** Counts a session of the user in (user names compare without ASCII case); false past MaxConnectionsPerUser. */
  acquireUser(user: string): Promise<boolean | Unavailable>;
  releaseUser(user: string): void;
  /** Records a failed login from the address; the answer is the extra delay in ms. */
  loginFailed(address: string): Promise<number>;
}
