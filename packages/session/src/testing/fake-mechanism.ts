import type { AuthExchange, AuthMechanism, AuthStep } from '../contracts.js';

export interface FakeMechanismOptions {
  /** Default 'FAKE'. */
  readonly name?: string;
  /** Default true. */
  readonly clientFirst?: boolean;
  /** Default false. */
  readonly plaintext?: boolean;
  readonly available?: boolean;
  /** Challenges sent one per step, in order, before the verdict (strings are UTF-8). */
  readonly challenges?: readonly (string | Uint8Array)[];
  /**
   * The verdict once every challenge has been answered, from the client's responses. Default: success as the user
   * named by the first response (UTF-8), failure when it is empty.
   */
  readonly verdict?: (responses: readonly Buffer[]) => AuthStep | Promise<AuthStep>;
}

/** What one AUTH exchange did, for assertions. */
export interface FakeExchangeRecord {
  /** Every step() argument: null for a server-first start, then the decoded client responses. */
  readonly responses: (Buffer | null)[];
  disposed: number;
}

export interface FakeMechanism extends AuthMechanism {
  readonly exchanges: readonly FakeExchangeRecord[];
}

/** A scripted SASL mechanism for tests of the AUTH framing. */
export function createFakeMechanism(options: FakeMechanismOptions = {}): FakeMechanism {
  const name = options.name ?? 'FAKE';
  const challenges = (options.challenges ?? []).map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  const verdict =
    options.verdict ??
    ((responses: readonly Buffer[]): AuthStep => {
      const user = responses[0]?.toString('utf8') ?? '';
      return user === ''
        ? { kind: 'failure', reason: 'credentials' }
        : { kind: 'success', identity: { user, mechanism: name } };
    });
  const exchanges: FakeExchangeRecord[] = [];
  return {
    name,
    clientFirst: options.clientFirst ?? true,
    plaintext: options.plaintext ?? false,
    ...(options.available === undefined ? {} : { available: options.available }),
    exchanges,
    start(): AuthExchange {
      const record: FakeExchangeRecord = { responses: [], disposed: 0 };
      exchanges.push(record);
      let next = 0;
      return {
        async step(response: Uint8Array | null): Promise<AuthStep> {
          record.responses.push(response === null ? null : Buffer.from(response));
          if (next < challenges.length) return { kind: 'challenge', data: challenges[next++]! };
          return verdict(record.responses.filter((r): r is Buffer => r !== null));
        },
        dispose() {
          record.disposed++;
        },
      } as AuthExchange;
    },
  };
}
