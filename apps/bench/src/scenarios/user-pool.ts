export interface Account {
  name: string;
  password: string;
}

/**
 * Hands out accounts to concurrent sessions. `take` prefers an account no session holds, so two sessions do not
 * fight over one maildrop when there are enough; `once` hands each account out exactly one time.
 */
export class UserPool {
  #next = 0;
  #busy = new Set<number>();
  #onceNext = 0;

  constructor(readonly accounts: readonly Account[]) {
    if (accounts.length === 0) throw new Error('no users');
  }

  /**
   * The next free account in turn; give it back with `give`. When every account is held, `exclusive` gives
   * undefined and otherwise the next account in turn is shared.
   */
  take(exclusive = false): number | undefined {
    const count = this.accounts.length;
    for (let tried = 0; tried < count; tried++) {
      const index = (this.#next + tried) % count;
      if (!this.#busy.has(index)) {
        this.#next = (index + 1) % count;
        this.#busy.add(index);
        return index;
      }
    }
    if (exclusive) return undefined;
    const index = this.#next;
    this.#next = (index + 1) % count;
    return index;
  }

  give(index: number): void {
    this.#busy.delete(index);
  }

  /** Each account once, in order; undefined when all have been handed out. */
  once(): number | undefined {
    return this.#onceNext < this.accounts.length ? this.#onceNext++ : undefined;
  }

  account(index: number): Account {
    return this.accounts[index]!;
  }
}
