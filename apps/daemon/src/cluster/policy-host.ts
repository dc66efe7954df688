import type { LocalPolicy } from '../local-policy.js';
import type { WorkerRequest } from './messages.js';

export type PolicyQuestion = Exclude<WorkerRequest, { op: 'config' }>;

/** Counts per key (an address, a user name). */
class Tally {
  readonly #counts = new Map<string, number>();

  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Takes one away; false when there was none. */
  take(key: string): boolean {
    const count = this.#counts.get(key);
    if (count === undefined) return false;
    if (count <= 1) this.#counts.delete(key);
    else this.#counts.set(key, count - 1);
    return true;
  }

  *each(): Generator<string> {
    for (const [key, count] of this.#counts) for (let i = 0; i < count; i++) yield key;
  }
}

interface Holdings {
  readonly connection: Tally;
  readonly user: Tally;
}

/**
 * The primary's side of the shared limits: answers every worker from one set of tables and remembers what each
 * worker holds, so that a worker that dies gives back its connections and users at once, and a release that its
 * worker never acquired changes nothing.
 */
export class PolicyHost {
  readonly #tables: LocalPolicy;
  readonly #holdings = new Map<number, Holdings>();

  constructor(tables: LocalPolicy) {
    this.#tables = tables;
  }

  answer(worker: number, question: PolicyQuestion): unknown {
    switch (question.op) {
      case 'acquire-connection': {
        const refusal = this.#tables.tryConnection(question.address);
        if (refusal === null) this.#of(worker).connection.add(question.address);
        return refusal;
      }
      case 'acquire-user': {
        const granted = this.#tables.tryUser(question.user);
        if (granted) this.#of(worker).user.add(question.user);
        return granted;
      }
      case 'login-failed':
        return this.#tables.penaltyFor(question.address);
    }
  }

  release(worker: number, what: 'connection' | 'user', key: string): void {
    if (!this.#holdings.get(worker)?.[what].take(key)) return;
    if (what === 'connection') this.#tables.releaseConnection(key);
    else this.#tables.releaseUser(key);
  }

  /** The worker is gone: everything it held is given back. */
  forget(worker: number): void {
    const holdings = this.#holdings.get(worker);
    this.#holdings.delete(worker);
    if (holdings === undefined) return;
    for (const address of holdings.connection.each()) this.#tables.releaseConnection(address);
    for (const user of holdings.user.each()) this.#tables.releaseUser(user);
  }

  #of(worker: number): Holdings {
    let holdings = this.#holdings.get(worker);
    if (holdings === undefined) {
      holdings = { connection: new Tally(), user: new Tally() };
      this.#holdings.set(worker, holdings);
    }
    return holdings;
  }
}
