import type { AuthMechanism } from './contracts.js';
import { createSessionEngine, type SessionEngine } from './engine.js';
import type { SessionOptions } from './options.js';
import {
  createFakeTimers,
  createMemoryStore,
  createMemoryVerifier,
  type FakeTimers,
  type MemoryFileSender,
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryVerifier,
  openTestSession,
  type TestSession,
  type TestSessionOptions,
} from './testing/index.js';

/** Alice's mailbox: UIDs 1-3, sizes 28, 54 and 32 octets on the wire (stored with LF, sent with CRLF). */
export const ALICE = [
  'Subject: one\n\nfirst body\n',
  'Subject: two\nFrom: b@example.test\n\nline 1\nline 2\n',
  'Subject: three\n\n.dotted\nend\n',
];
export const GREETING = '+OK The Microsoft Exchange POP3 service is ready.';

export interface Fixture {
  readonly engine: SessionEngine;
  readonly store: MemoryStore;
  readonly passwords: MemoryVerifier;
  readonly timers: FakeTimers;
  /** Opens a session and reads the greeting. */
  open(options?: TestSessionOptions): Promise<TestSession>;
  /** Opens a session and logs in as alice with USER/PASS (the connection is secure unless told otherwise). */
  login(options?: TestSessionOptions): Promise<TestSession>;
}

export interface FixtureOptions extends Partial<Omit<SessionOptions, 'store' | 'passwords'>> {
  readonly users?: MemoryStoreOptions['users'];
  readonly chunkSize?: number;
  readonly exclusive?: boolean;
  readonly crlfForm?: boolean;
  /** The store answers with files of this sender, which the session is given too (as fileSender). */
  readonly wireFiles?: MemoryFileSender;
  readonly mechanisms?: readonly AuthMechanism[];
}

export function fixture(options: FixtureOptions = {}): Fixture {
  const { users, chunkSize, exclusive, crlfForm, wireFiles, ...rest } = options;
  const store = createMemoryStore({
    users: users ?? { alice: ALICE, bob: [] },
    ...(chunkSize === undefined ? {} : { chunkSize }),
    ...(exclusive === undefined ? {} : { exclusive }),
    ...(crlfForm === undefined ? {} : { crlfForm }),
    ...(wireFiles === undefined ? {} : { wireFiles }),
  });
  const passwords = createMemoryVerifier({ alice: 'secret', bob: 'bob pass' });
  const timers = createFakeTimers();
  const engine = createSessionEngine({
    store,
    passwords,
    timers,
    ...(wireFiles === undefined ? {} : { fileSender: wireFiles }),
    ...rest,
    settings: { failedLoginDelayMs: 0, ...rest.settings },
  });
  async function open(sessionOptions: TestSessionOptions = {}): Promise<TestSession> {
    const session = openTestSession(engine, sessionOptions);
    const greeting = await session.line();
    if (greeting !== `+OK ${engine.settings.banner}`) throw new Error(`unexpected greeting ${greeting}`);
    return session;
  }
  return {
    engine,
    store,
    passwords,
    timers,
    open,
    async login(sessionOptions = { connection: { secure: true } }) {
      const session = await open(sessionOptions);
      await session.expect(`
        C: USER alice
        S: +OK
        C: PASS secret
        S: +OK User successfully logged on.
      `);
      return session;
    },
  };
}
