/** Why a connection was refused at accept. */
export type ConnectionRefusal = 'MaxConnections' | 'MaxConnectionFromSingleIP';

/** Counts open connections in total and per client address (MaxConnections, MaxConnectionFromSingleIP). */
export class ConnectionLimiter {
  readonly #maxTotal: number;
  readonly #maxPerAddress: number;
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(maxTotal: number, maxPerAddress: number) {
    this.#maxTotal = maxTotal;
    this.#maxPerAddress = maxPerAddress;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts the connection in, or names the limit that refuses it. */
  acquire(address: string): ConnectionRefusal | null {
    if (this.#total >= this.#maxTotal) return 'MaxConnections';
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.#maxPerAddress) return 'MaxConnectionFromSingleIP';
    this.#perAddress.set(address, count + 1);
    this.#total += 1;
    return null;
  }

  release(address: string): void {
    const count = this.#perAddress.get(address);
    if (count === undefined) return;
    if (count <= 1) this.#perAddress.delete(address);
    else this.#perAddress.set(address, count - 1);
    this.#total -= 1;
  }
}

/** "::ffff:192.0.2.1" and "192.0.2.1" are one client: count them together. */
export function clientAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}
