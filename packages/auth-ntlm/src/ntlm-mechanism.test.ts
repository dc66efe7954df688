import { describe, expect, it } from 'vitest';
import {
  authContext,
  ewsClient,
  httpntlmClient,
  PASSWORD,
  pythonClient,
  runExchange,
  userDatabase,
} from '../test/clients.js';
import { parseAuthenticateMessage } from './authenticate-message.js';
import { createNtlmMechanism, type NtlmMechanismOptions } from './ntlm-mechanism.js';
import { parseNtlmV2Response } from './ntlm-v2.js';

const SUCCESS = { kind: 'success', identity: { user: 'alice', mechanism: 'NTLM' } };
const FAILURE = { kind: 'failure', reason: 'credentials' };

function setup(options: Partial<NtlmMechanismOptions> = {}) {
  const db = userDatabase();
  const warnings: string[] = [];
  const mechanism = createNtlmMechanism({
    lookup: db.lookup,
    domain: 'EXAMPLE',
    computer: 'POPSRV',
    dnsDomain: 'example.test',
    dnsComputer: 'popsrv.example.test',
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  return { mechanism, calls: db.calls, warnings };
}

describe('createNtlmMechanism', () => {
  it('describes itself as the session expects', () => {
    const { mechanism } = setup();
    expect(mechanism).toMatchObject({ name: 'NTLM', plaintext: false, clientFirst: true });
  });

  it('refuses incomplete options', () => {
    const lookup = async () => null;
    expect(() => createNtlmMechanism({ lookup, domain: '', computer: 'POPSRV' })).toThrow(TypeError);
    expect(() => createNtlmMechanism({ lookup, domain: 'EXAMPLE', computer: '' })).toThrow(TypeError);
  });
});

describe('@ewsjs/ntlm-client', () => {
  it('logs in with NTLMv2 and DOMAIN', async () => {
    const { mechanism, calls } = setup();
    const { result } = await runExchange(mechanism, ewsClient('alice', PASSWORD, 'EXAMPLE'));
    expect(result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'EXAMPLE']]);
  });

  it('logs in with no domain, and with a lower-case domain used as sent', async () => {
    const { mechanism, calls } = setup();
    expect((await runExchange(mechanism, ewsClient('alice', PASSWORD, ''))).result).toEqual(SUCCESS);
    expect((await runExchange(mechanism, ewsClient('Alice', PASSWORD, 'example'))).result).toEqual(SUCCESS);
    expect(calls).toEqual([
      ['alice', ''],
      ['Alice', 'example'],
    ]);
  });

  it('fails on a wrong password and on an unknown user alike', async () => {
    const { mechanism, calls } = setup();
    expect((await runExchange(mechanism, ewsClient('alice', 'wrong', 'EXAMPLE'))).result).toEqual(FAILURE);
    expect((await runExchange(mechanism, ewsClient('bob', PASSWORD, 'EXAMPLE'))).result).toEqual(FAILURE);
    expect(calls).toEqual([
      ['alice', 'EXAMPLE'],
      ['bob', 'EXAMPLE'],
    ]);
  });
});

describe('httpntlm', () => {
  it('logs in with NTLMv2 (UNICODE, upper-cased domain)', async () => {
    const { mechanism, calls } = setup();
    const { challenge, result } = await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'example'));
    expect(result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'EXAMPLE']]);
    expect(new DataView(challenge.buffer, challenge.byteOffset).getUint32(20, true) & 1).toBe(1);
  });

  it('logs in as user@domain: the bare user is looked up with the domain after the @', async () => {
    const { mechanism, calls } = setup();
    expect((await runExchange(mechanism, httpntlmClient('alice@example.test', PASSWORD, ''))).result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'example.test']]);
  });

  it('logs in with DOMAIN\\user typed into the user name', async () => {
    const { mechanism, calls } = setup();
    expect((await runExchange(mechanism, httpntlmClient('EXAMPLE\\alice', PASSWORD, ''))).result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'EXAMPLE']]);
  });

  it('fails on a wrong password', async () => {
    const { mechanism } = setup();
    expect((await runExchange(mechanism, httpntlmClient('alice', 'alicepw2', 'EXAMPLE'))).result).toEqual(FAILURE);
  });

  it('refuses NTLMv1 and NTLMv1-ESS by default, with a warning and without asking the user database', async () => {
    const { mechanism, calls, warnings } = setup();
    for (const mode of ['v1', 'v1-ess'] as const) {
      expect((await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE', mode))).result).toEqual(
        FAILURE,
      );
    }
    expect(calls).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/NTLMv1 is disabled/);
  });

  it('accepts NTLMv1 and NTLMv1-ESS only when allowNtlmV1 is set, and warns about each login', async () => {
    const { mechanism, warnings } = setup({ allowNtlmV1: true });
    for (const mode of ['v1', 'v1-ess'] as const) {
      const { authenticate, result } = await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE', mode));
      expect(result).toEqual(SUCCESS);
      // The client really took the path under test: 24-byte NT response; ESS puts its challenge + zeros in LM.
      const message = parseAuthenticateMessage(authenticate);
      expect(message?.ntResponse.length).toBe(24);
      expect(message?.lmResponse.subarray(8).every((byte) => byte === 0)).toBe(mode === 'v1-ess');
      expect((await runExchange(mechanism, httpntlmClient('alice', 'nope', 'EXAMPLE', mode))).result).toEqual(FAILURE);
      expect((await runExchange(mechanism, httpntlmClient('carol', PASSWORD, 'EXAMPLE', mode))).result).toEqual(
        FAILURE,
      );
    }
    expect(warnings.filter((w) => /accepted an NTLMv1/.test(w))).toHaveLength(2);
  });

  it('refuses a client clock more than 5 minutes off', async () => {
    const { mechanism, warnings } = setup({ now: () => Date.now() + 6 * 60_000 });
    expect((await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE'))).result).toEqual(FAILURE);
    expect(warnings.join()).toMatch(/timestamp is 3\d\d s off/);
  });
});

describe('python3-ntlm-auth (MIC + KEY_EXCH)', () => {
  it('logs in, with a MIC over all three messages', async () => {
    const { mechanism, calls } = setup();
    const { authenticate, result } = await runExchange(mechanism, await pythonClient('alice', PASSWORD, 'EXAMPLE'));
    expect(result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'EXAMPLE']]);
    // KEY_EXCH granted and used: a 16-byte EncryptedRandomSessionKey.
    const view = new DataView(authenticate.buffer, authenticate.byteOffset);
    expect(view.getUint32(60, true) & 0x40000000).not.toBe(0);
    expect(view.getUint16(52, true)).toBe(16);
    const nt = parseAuthenticateMessage(authenticate)?.ntResponse;
    expect(nt && parseNtlmV2Response(nt)?.micPresent).toBe(true);
  });

  it('logs in as user@domain with no domain field', async () => {
    const { mechanism, calls } = setup();
    const { result } = await runExchange(mechanism, await pythonClient('alice@example.test', PASSWORD, ''));
    expect(result).toEqual(SUCCESS);
    expect(calls).toEqual([['alice', 'example.test']]);
  });

  it('fails on a wrong password', async () => {
    const { mechanism } = setup();
    const { result } = await runExchange(mechanism, await pythonClient('alice', 'bad', 'EXAMPLE'));
    expect(result).toEqual(FAILURE);
  });

  it('refuses a tampered MIC, and tampered flags that only the MIC protects', async () => {
    const { mechanism } = setup();
    // A MIC byte, then a NegotiateFlags bit (0x4000 is unused, so only the MIC notices).
    for (const [at, mask] of [
      [80, 0x01],
      [61, 0x40],
    ] as const) {
      const client = await pythonClient('alice', PASSWORD, 'EXAMPLE');
      const { result } = await runExchange(mechanism, {
        negotiate: client.negotiate,
        async authenticate(challenge) {
          const message = Uint8Array.from(await client.authenticate(challenge));
          message[at]! ^= mask;
          return message;
        },
        close: () => client.close?.(),
      });
      expect(result).toEqual(FAILURE);
    }
  });
});

describe('replay and order', () => {
  it('refuses an AUTHENTICATE replayed into a second exchange', async () => {
    const { mechanism } = setup();
    for (const makeClient of [
      async () => httpntlmClient('alice', PASSWORD, 'EXAMPLE'),
      async () => pythonClient('alice', PASSWORD, 'EXAMPLE'),
    ]) {
      const client = await makeClient();
      const first = await runExchange(mechanism, client);
      expect(first.result).toEqual(SUCCESS);
      const second = mechanism.start(authContext());
      expect((await second.step(client.negotiate)).kind).toBe('challenge');
      expect(await second.step(first.authenticate)).toEqual(FAILURE);
      second.dispose();
    }
  });

  it('issues a fresh server challenge per exchange', async () => {
    const { mechanism } = setup();
    const { negotiate } = httpntlmClient('alice', PASSWORD, 'EXAMPLE');
    const challenges = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const step = await mechanism.start(authContext()).step(negotiate);
      if (step.kind !== 'challenge') throw new Error('no challenge');
      challenges.add(Buffer.from(step.data.subarray(24, 32)).toString('hex'));
    }
    expect(challenges.size).toBe(20);
  });

  it('fails a third step, a repeated NEGOTIATE, an AUTHENTICATE first, null, and any step after dispose', async () => {
    const { mechanism } = setup();
    const client = httpntlmClient('alice', PASSWORD, 'EXAMPLE');

    const done = await runExchange(mechanism, client);
    expect(done.result).toEqual(SUCCESS);

    const third = mechanism.start(authContext());
    const challenge = await third.step(client.negotiate);
    if (challenge.kind !== 'challenge') throw new Error('no challenge');
    const authenticate = await client.authenticate(challenge.data);
    expect(await third.step(authenticate)).toEqual(SUCCESS);
    expect(await third.step(authenticate)).toEqual(FAILURE);

    const repeated = mechanism.start(authContext());
    await repeated.step(client.negotiate);
    expect(await repeated.step(client.negotiate)).toEqual(FAILURE);

    expect(await mechanism.start(authContext()).step(done.authenticate)).toEqual(FAILURE);
    expect(await mechanism.start(authContext()).step(null)).toEqual(FAILURE);

    const disposed = mechanism.start(authContext());
    const next = await disposed.step(client.negotiate);
    if (next.kind !== 'challenge') throw new Error('no challenge');
    const late = await client.authenticate(next.data);
    disposed.dispose();
    expect(await disposed.step(late)).toEqual(FAILURE);
  });
});

describe('user database outcomes', () => {
  it('gives the same failure for a disabled (null) account as for a wrong password', async () => {
    const { mechanism } = setup({ lookup: async () => null });
    expect((await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE'))).result).toEqual(FAILURE);
  });

  it('reports a failing user database as temporary, with a warning', async () => {
    const { mechanism, warnings } = setup({
      lookup: async () => {
        throw new Error('database down');
      },
    });
    const { result } = await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE'));
    expect(result).toEqual({ kind: 'failure', reason: 'temporary' });
    expect(warnings).toEqual(['NTLM: account lookup failed: database down']);
  });

  it('refuses an account whose NT hash is not 16 bytes', async () => {
    const { mechanism, warnings } = setup({ lookup: async () => ({ user: 'alice', ntHash: new Uint8Array(15) }) });
    expect((await runExchange(mechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE'))).result).toEqual(FAILURE);
    expect(warnings.join()).toMatch(/not 16 bytes/);
  });

  it('uses the user name the database returns as the identity', async () => {
    const { mechanism } = setup({
      lookup: async () => ({ user: 'alice.smith', ntHash: (await import('./nt-hash.js')).ntHash(PASSWORD) }),
    });
    const { result } = await runExchange(mechanism, ewsClient('ALICE', PASSWORD, 'EXAMPLE'));
    expect(result).toEqual({ kind: 'success', identity: { user: 'alice.smith', mechanism: 'NTLM' } });
  });
});
