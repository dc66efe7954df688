/** A request that got no answer: the channel closed, the other side was too slow, or too many were waiting. */
export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

export interface RequestChannelOptions {
  readonly timeoutMs: number;
  /** Most requests waiting at once (late ones included); past it a request fails at once. */
  readonly maxPending?: number;
}

interface Pending {
  /** Takes the answer: the caller's resolve, or after a timeout the caller's `late` handler. */
  settle: (value: unknown) => void;
  fail: (error: RequestError) => void;
}

/**
 * Requests over a message channel (process IPC): each gets an id, and its answer comes back with that id. A request
 * fails after `timeoutMs` instead of waiting forever, so a caller can fail safe. A request whose answer matters even
 * when it comes too late (a grant that must be given back) names a `late` handler, which gets that answer.
 */
export class RequestChannel<Body> {
  readonly #send: (message: { poplar: 'request'; id: number; body: Body }) => void;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(send: (message: { poplar: 'request'; id: number; body: Body }) => void, options: RequestChannelOptions) {
    this.#send = send;
    this.#timeoutMs = options.timeoutMs;
    this.#maxPending = options.maxPending ?? 10_000;
  }

  get pending(): number {
    return this.#pending.size;
  }

  request(body: Body, late?: (value: unknown) => void): Promise<unknown> {
    if (this.#closed) return Promise.reject(new RequestError('the channel is closed'));
    if (this.#pending.size >= this.#maxPending) return Promise.reject(new RequestError('too many requests waiting'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (late === undefined) this.#pending.delete(id);
        else entry.settle = late;
        reject(new RequestError(`no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const entry: Pending = {
        settle: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#pending.set(id, entry);
      try {
        this.#send({ poplar: 'request', id, body });
      } catch (err) {
        this.#pending.delete(id);
        entry.fail(new RequestError(`cannot send: ${(err as Error).message}`));
      }
    });
  }

  /** Hands an answer to the request with this id; an unknown id (already failed, never asked) is ignored. */
  answer(id: number, value: unknown): void {
    const entry = this.#pending.get(id);
    if (entry === undefined) return;
    this.#pending.delete(id);
    entry.settle(value);
  }

  /** The other side is gone: every waiting request fails now, and later ones at once. */
  close(): void {
    this.#closed = true;
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of entries) entry.fail(new RequestError('the channel is closed'));
  }
}
