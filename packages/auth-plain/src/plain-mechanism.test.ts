import { createRequire } from 'node:module';
import type { AuthContext, AuthStep, PasswordVerifier, VerifyResult } from '@poplar/auth';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlainMechanism, type PlainMechanismOptions } from './plain-mechanism.js';

// An independent PLAIN client (RFC 4616) to produce the messages.
interface SaslClient {
  readonly name: string;
  readonly clientFirst: boolean;
  response(cred: { authzid?: string; username: string; password: string }): string;
}
const SaslPlain = createRequire(import.meta.url)('sasl-plain') as new () => SaslClient;
const client = new SaslPlain();

function clientMessage(username: string, password: string, authzid?: string): Uint8Array {
  return Buffer.from(client.response({ username, password, ...(authzid === undefined ? {} : { authzid }) }), 'utf8');
}

/** Knows alice (canonical 'Alice') and admin; records what it was asked. */
function fakeVerifier(): PasswordVerifier & { calls: [string, string][] } {
  const passwords = new Map([
    ['alice', ['Alice', 'alice pw']],
    ['admin', ['admin', 'admin pw']],
    ['ix', ['IX', 'I X']],
  ]);
  const calls: [string, string][] = [];
  return {
    calls,
    async verify(user, password): Promise<VerifyResult> {
      calls.push([user, password]);
      if (user === 'down') return { ok: false, reason: 'temporary' };
      const entry = passwords.get(user.toLowerCase());
      return entry && entry[1] === password
        ? { ok: true, identity: { user: entry[0]!, mechanism: 'USER' } }
        : { ok: false, reason: 'credentials' };
    },
  };
}

const context = (signal = new AbortController().signal): AuthContext => ({
  connection: { id: 'c1', remoteAddress: '127.0.0.1', secure: true },
  signal,
});

async function run(message: Uint8Array, options: Partial<PlainMechanismOptions> = {}): Promise<AuthStep> {
  const mechanism = createPlainMechanism({ verifier: fakeVerifier(), ...options });
  const exchange = mechanism.start(context());
  try {
    return await exchange.step(message);
  } finally {
    exchange.dispose();
  }
}

const FAILED: AuthStep = { kind: 'failure', reason: 'credentials' };
const success = (user: string): AuthStep => ({ kind: 'success', identity: { user, mechanism: 'PLAIN' } });

describe('createPlainMechanism', () => {
  it('describes itself as a client-first plain-text mechanism', () => {
    const mechanism = createPlainMechanism({ verifier: fakeVerifier() });
    expect(mechanism).toMatchObject({ name: client.name, plaintext: true, clientFirst: client.clientFirst });
  });

  it('logs in with the canonical name from the verifier', async () => {
    expect(await run(clientMessage('alice', 'alice pw'))).toEqual(success('Alice'));
    expect(await run(clientMessage('ALICE', 'alice pw'))).toEqual(success('Alice'));
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await run(clientMessage('alice', 'alice PW'))).toEqual(FAILED);
    expect(await run(clientMessage('bob', 'alice pw'))).toEqual(FAILED);
  });

  it("passes on the verifier's 'temporary'", async () => {
    expect(await run(clientMessage('down', 'x'))).toEqual({ kind: 'failure', reason: 'temporary' });
  });

  it('verifies the SASLprep-ed authcid and password', async () => {
    const verifier = fakeVerifier();
    const exchange = createPlainMechanism({ verifier }).start(context());
    // Fullwidth letters fold to ASCII; a soft hyphen vanishes and a no-break space becomes a space.
    expect(await exchange.step(clientMessage('\uff49\uff58', 'I\u00ad\u00a0X'))).toEqual(success('IX'));
    expect(verifier.calls).toEqual([['ix', 'I X']]);
  });

  it('accepts an authzid equal to the authcid or to the canonical name', async () => {
    expect(await run(clientMessage('alice', 'alice pw', 'alice'))).toEqual(success('Alice'));
    expect(await run(clientMessage('alice', 'alice pw', 'Alice'))).toEqual(success('Alice'));
  });

  it('refuses another authzid unless the policy allows it', async () => {
    const asked: [string, string][] = [];
    const allowAuthzid = (authzid: string, authcid: string): boolean => {
      asked.push([authzid, authcid]);
      return authcid === 'admin';
    };
    expect(await run(clientMessage('alice', 'alice pw', 'bob'))).toEqual(FAILED);
    expect(await run(clientMessage('alice', 'alice pw', 'bob'), { allowAuthzid })).toEqual(FAILED);
    expect(await run(clientMessage('admin', 'admin pw', 'bob'), { allowAuthzid })).toEqual(success('bob'));
    expect(await run(clientMessage('admin', 'wrong', 'bob'), { allowAuthzid })).toEqual(FAILED);
    expect(asked).toEqual([
      ['bob', 'Alice'],
      ['bob', 'admin'],
    ]);
    expect(await run(clientMessage('admin', 'admin pw', 'bob'), { allowAuthzid: async () => true })).toEqual(
      success('bob'),
    );
  });

  it('sends an empty challenge when started without an initial response', async () => {
    const exchange = createPlainMechanism({ verifier: fakeVerifier() }).start(context());
    expect(await exchange.step(null)).toEqual({ kind: 'challenge', data: new Uint8Array(0) });
    expect(await exchange.step(clientMessage('alice', 'alice pw'))).toEqual(success('Alice'));
  });

  it('answers one message only, and nothing after dispose or abort', async () => {
    const verifier = fakeVerifier();
    const mechanism = createPlainMechanism({ verifier });
    const once = mechanism.start(context());
    expect(await once.step(clientMessage('alice', 'wrong'))).toEqual(FAILED);
    expect(await once.step(clientMessage('alice', 'alice pw'))).toEqual(FAILED);
    const twiceNull = mechanism.start(context());
    await twiceNull.step(null);
    expect(await twiceNull.step(null)).toEqual(FAILED);
    const disposed = mechanism.start(context());
    disposed.dispose();
    expect(await disposed.step(clientMessage('alice', 'alice pw'))).toEqual(FAILED);
    const controller = new AbortController();
    const aborted = mechanism.start(context(controller.signal));
    controller.abort();
    expect(await aborted.step(clientMessage('alice', 'alice pw'))).toEqual(FAILED);
    expect(verifier.calls).toEqual([['alice', 'wrong']]);
  });
});

describe('hostile input', () => {
  const bytes = (...parts: (string | number[])[]): Uint8Array =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

  it.each([
    ['an empty message', bytes()],
    ['no NUL', bytes('alicealice pw')],
    ['one NUL', bytes('alice\0alice pw')],
    ['three NULs', bytes('\0alice\0alice pw\0')],
    ['an empty authcid', bytes('\0\0alice pw')],
    ['an empty password', bytes('\0alice\0')],
    ['only NULs', bytes('\0\0')],
    ['an invalid UTF-8 byte', bytes('\0alice\0alice pw', [0xff])],
    ['an overlong NUL', bytes('\0ali', [0xc0, 0x80], 'ce\0alice pw')],
    ['an encoded surrogate', bytes('\0alice\0alice pw', [0xed, 0xa0, 0x80])],
    ['a truncated sequence', bytes('\0alice', [0xe2, 0x82], '\0alice pw')],
    ['a 300-octet authcid', bytes(`\0${'a'.repeat(300)}\0alice pw`)],
    ['a 300-octet password', bytes(`\0alice\0${'p'.repeat(300)}`)],
    ['a 300-octet authzid', bytes(`${'z'.repeat(300)}\0alice\0alice pw`)],
    ['a 256-octet password', bytes(`\0alice\0${'p'.repeat(256)}`)],
    ['a control character in the authcid', bytes('\0ali\u0007ce\0alice pw')],
    ['a control character in the password', bytes('\0alice\0alice\u0085pw')],
    ['a private-use character in the password', bytes('\0alice\0alice pw\ue000')],
    ['a prohibited authzid', bytes('\u0001\0alice\0alice pw')],
    ['a password of only mapped-to-nothing characters', bytes('\0alice\0\u00ad\u034f\ufeff')],
    ['mixed bidi in the password', bytes('\0alice\0a\u0627')],
    ['a huge message', new Uint8Array(1 << 20)],
  ])('fails, without asking the verifier, on %s', async (_, message) => {
    const verifier = fakeVerifier();
    const exchange = createPlainMechanism({ verifier }).start(context());
    expect(await exchange.step(message)).toEqual(FAILED);
    expect(verifier.calls).toEqual([]);
  });

  it('accepts fields of exactly 255 octets', async () => {
    const verifier = fakeVerifier();
    const exchange = createPlainMechanism({ verifier }).start(context());
    const long = `${'é'.repeat(127)}x`; // 255 octets
    expect(await exchange.step(bytes(`${long}\0${long}\0${long}`))).toEqual(FAILED);
    expect(verifier.calls).toEqual([[long, long]]);
  });

  it('never throws and never lets in a wrong password (fuzz)', async () => {
    const field = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 100 }).map((s) => Buffer.from(s, 'utf8')),
      fc.constantFrom(...['alice', 'ALICE', 'alice pw', 'admin', 'bob', ''].map((s) => Buffer.from(s))),
    );
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 800 }),
      fc
        .array(field, { minLength: 1, maxLength: 5 })
        .map((parts) => Buffer.concat(parts.flatMap((p, i) => (i ? [Buffer.of(0), p] : [p])))),
    );
    await fc.assert(
      fc.asyncProperty(message, fc.boolean(), async (input, allow) => {
        const step = await run(input, allow ? { allowAuthzid: () => true } : {});
        if (step.kind === 'success') {
          // Only alice's real password can get in.
          expect(
            Buffer.from(input)
              .subarray(Buffer.from(input).lastIndexOf(0) + 1)
              .toString(),
          ).toBe('alice pw');
        } else {
          expect(step.kind).toBe('failure');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
