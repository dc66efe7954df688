/** Counts logged-in sessions per user (MaxConnectionsPerUser). User names compare without ASCII case. */
export class UserLimiter {
  readonly #max: number;
  readonly #sessions = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  acquire(user: string): boolean {
    const key = user.toLowerCase();
    const count = this.#sessions.get(key) ?? 0;
    if (count >= this.#max) return false;
    this.#sessions.set(key, count + 1);
    return true;
  }

  release(user: string): void {
    const key = user.toLowerCase();
    const count = this.#sessions.get(key);
    if (count === undefined) return;
    if (count <= 1) this.#sessions.delete(key);
    else this.#sessions.set(key, count - 1);
  }

  count(user: string): number {
    return this.#sessions.get(user.toLowerCase()) ?? 0;
  }
}
