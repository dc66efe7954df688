/** A count of deliveries owed, which delivery loops wait on. */
export class Backlog {
  #owed = 0;
  #closed = false;
  #waiters: ((ready: boolean) => void)[] = [];

  add(count: number): void {
    this.#owed += count;
    while (this.#owed > 0 && this.#waiters.length > 0) {
      this.#owed--;
      this.#waiters.shift()!(true);
    }
  }

  /** Resolves true when one delivery is owed (and claims it), false once closed. */
  take(): Promise<boolean> {
    if (this.#owed > 0) {
      this.#owed--;
      return Promise.resolve(true);
    }
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops every wait; returns the deliveries still owed, which are dropped. */
  close(): number {
    const owed = this.#owed;
    this.#owed = 0;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(false);
    return owed;
  }
}
