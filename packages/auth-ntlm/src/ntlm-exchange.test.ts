import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authContext, httpntlmClient, PASSWORD, runExchange, userDatabase } from '../test/clients.js';
import { DEFAULT_FLAGS, ntlmV2Client, type V2ClientOptions } from '../test/ntlmv2-client.js';
import { AvId, parseAvPairs } from './av-pairs.js';
import { toFiletime } from './filetime.js';
import { NtlmFlag } from './ntlm-flags.js';
import { createNtlmMechanism, type NtlmMechanismOptions } from './ntlm-mechanism.js';
import { MAX_MESSAGE_SIZE } from './ntlm-message.js';

const SUCCESS = { kind: 'success', identity: { user: 'alice', mechanism: 'NTLM' } };
const FAILURE = { kind: 'failure', reason: 'credentials' };
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

function mechanism(options: Partial<NtlmMechanismOptions> = {}) {
  return createNtlmMechanism({
    lookup: userDatabase().lookup,
    domain: 'EXAMPLE',
    computer: 'POPSRV',
    dnsDomain: 'example.test',
    dnsComputer: 'popsrv.example.test',
    ...options,
  });
}

const u16 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint16(at, true);
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
const field = (bytes: Uint8Array, at: number) =>
  bytes.subarray(u32(bytes, at + 4), u32(bytes, at + 4) + u16(bytes, at));

async function challengeFor(negotiate: Uint8Array, options: Partial<NtlmMechanismOptions> = {}) {
  const step = await mechanism({ now: () => NOW, randomBytes: (n) => new Uint8Array(n).fill(7), ...options })
    .start(authContext())
    .step(negotiate);
  if (step.kind !== 'challenge') throw new Error('no challenge');
  return step.data;
}

describe('CHALLENGE', () => {
  // curl 7.88's NEGOTIATE: OEM | REQUEST_TARGET | NTLM | ALWAYS_SIGN | ESS, no UNICODE.
  const curlNegotiate = Buffer.from('TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=', 'base64');

  it('answers curl with OEM strings, the target info and the version', async () => {
    const challenge = await challengeFor(curlNegotiate);
    expect(Buffer.from(challenge.subarray(0, 12)).toString('latin1')).toBe('NTLMSSP\0\x02\0\0\0');
    expect(u32(challenge, 20).toString(16)).toBe('2898206');
    expect(Buffer.from(challenge.subarray(24, 32)).toString('hex')).toBe('0707070707070707');
    expect(Buffer.from(challenge.subarray(32, 40)).toString('hex')).toBe('0000000000000000');
    expect(Buffer.from(challenge.subarray(48, 56)).toString('hex')).toBe('0a007c4f0000000f');
    expect(Buffer.from(field(challenge, 12)).toString('latin1')).toBe('EXAMPLE');

    const pairs = parseAvPairs(field(challenge, 40));
    expect(pairs?.map((pair) => pair.id)).toEqual([2, 1, 4, 3, 7]);
    const text = (id: number) => Buffer.from(pairs?.find((pair) => pair.id === id)?.value ?? []).toString('utf16le');
    expect(text(AvId.NB_DOMAIN_NAME)).toBe('EXAMPLE');
    expect(text(AvId.NB_COMPUTER_NAME)).toBe('POPSRV');
    expect(text(AvId.DNS_DOMAIN_NAME)).toBe('example.test');
    expect(text(AvId.DNS_COMPUTER_NAME)).toBe('popsrv.example.test');
    const timestamp = pairs?.find((pair) => pair.id === AvId.TIMESTAMP)?.value ?? new Uint8Array(8);
    expect(new DataView(timestamp.buffer, timestamp.byteOffset).getBigUint64(0, true)).toBe(toFiletime(NOW));
  });

  it('echoes UNICODE, SIGN and KEY_EXCH (gss-ntlmssp) and never grants LM_KEY, DATAGRAM or ANONYMOUS', async () => {
    const negotiate = ntlmV2Client({ user: 'x', domain: '', password: '', negotiateFlags: 0xe20882f7 }).negotiate;
    const flags = u32(await challengeFor(negotiate), 20);
    expect(flags.toString(16)).toBe('e2898235');
    expect(flags & (NtlmFlag.LM_KEY | NtlmFlag.ANONYMOUS | 0x40 | 0x00100000)).toBe(0);
    // Strings follow UNICODE.
    expect(Buffer.from(field(await challengeFor(negotiate), 12)).toString('utf16le')).toBe('EXAMPLE');
  });

  it('leaves TargetName out when not requested, and the DNS names when not configured', async () => {
    const negotiate = ntlmV2Client({
      user: 'x',
      domain: '',
      password: '',
      negotiateFlags: DEFAULT_FLAGS & ~NtlmFlag.REQUEST_TARGET,
    }).negotiate;
    const challenge = await challengeFor(negotiate, { dnsDomain: undefined, dnsComputer: undefined } as never);
    expect(u16(challenge, 12)).toBe(0);
    expect(u32(challenge, 20) & NtlmFlag.TARGET_TYPE_DOMAIN).toBe(0);
    expect(parseAvPairs(field(challenge, 40))?.map((pair) => pair.id)).toEqual([2, 1, 7]);
  });
});

describe('NTLMv2 edge cases', () => {
  const login = (options: Partial<V2ClientOptions>, mechanismOptions: Partial<NtlmMechanismOptions> = {}) =>
    runExchange(
      mechanism(mechanismOptions),
      ntlmV2Client({ user: 'alice', domain: 'EXAMPLE', password: PASSWORD, ...options }),
    ).then((run) => run.result);

  it('accepts a client that hashed with an empty domain, but not another domain', async () => {
    expect(await login({ hashDomain: '' })).toEqual(SUCCESS);
    expect(await login({ hashDomain: 'OTHER' })).toEqual(FAILURE);
  });

  it('accepts a MIC keyed by the SessionBaseKey (no KEY_EXCH) or by the exchanged key (KEY_EXCH)', async () => {
    expect(await login({ mic: true })).toEqual(SUCCESS);
    const keyExch = DEFAULT_FLAGS | NtlmFlag.KEY_EXCH | NtlmFlag.SIGN;
    expect(await login({ mic: true, negotiateFlags: keyExch })).toEqual(SUCCESS);
  });

  it('accepts OEM names', async () => {
    const oem = (DEFAULT_FLAGS & ~NtlmFlag.UNICODE) | NtlmFlag.OEM;
    expect(await login({ negotiateFlags: oem })).toEqual(SUCCESS);
    expect(await login({ negotiateFlags: oem, password: 'x' })).toEqual(FAILURE);
  });

  it('accepts non-ASCII user names, upper-cased per code unit', async () => {
    const lookup = async (user: string) => ({ user, ntHash: (await import('./nt-hash.js')).ntHash(PASSWORD) });
    for (const user of ['straße', 'Zoë', 'ﬀ']) {
      expect(await login({ user }, { lookup })).toEqual({ kind: 'success', identity: { user, mechanism: 'NTLM' } });
    }
  });

  it('refuses a timestamp more than 5 minutes from now, accepts one within', async () => {
    const now = () => NOW;
    expect(await login({ timestamp: toFiletime(NOW - 4 * 60_000) }, { now })).toEqual(SUCCESS);
    expect(await login({ timestamp: toFiletime(NOW + 4 * 60_000) }, { now })).toEqual(SUCCESS);
    expect(await login({ timestamp: toFiletime(NOW - 6 * 60_000) }, { now })).toEqual(FAILURE);
    expect(await login({ timestamp: 0n }, { now })).toEqual(FAILURE);
    expect(await login({ timestamp: 0xffffffffffffffffn }, { now })).toEqual(FAILURE);
  });

  it('refuses anonymous (empty user, empty NT response)', async () => {
    const ex = mechanism().start(authContext());
    const client = ntlmV2Client({ user: 'alice', domain: 'EXAMPLE', password: PASSWORD });
    const challenge = await ex.step(client.negotiate);
    if (challenge.kind !== 'challenge') throw new Error('no challenge');
    const message = Uint8Array.from(await client.authenticate(challenge.data));
    const view = new DataView(message.buffer);
    for (const at of [20, 36]) view.setUint16(at, 0, true); // NT and user name lengths
    view.setUint32(60, u32(message, 60) | NtlmFlag.ANONYMOUS, true);
    expect(await ex.step(message)).toEqual(FAILURE);
  });
});

/** A fresh exchange that has sent its CHALLENGE, and a valid AUTHENTICATE for it. */
async function validPair(options: Partial<V2ClientOptions> = {}) {
  const ex = mechanism().start(authContext());
  const client = ntlmV2Client({ user: 'alice', domain: 'EXAMPLE', password: PASSWORD, ...options });
  const challenge = await ex.step(client.negotiate);
  if (challenge.kind !== 'challenge') throw new Error('no challenge');
  return { ex, negotiate: client.negotiate, authenticate: Uint8Array.from(await client.authenticate(challenge.data)) };
}

type Change = (view: DataView) => void;

function mutated(message: Uint8Array, change: Change): Uint8Array {
  const copy = Uint8Array.from(message);
  change(new DataView(copy.buffer));
  return copy;
}

/** Sets a security buffer's length, and its offset (a number, or computed from the message). */
const setField =
  (at: number, length: number, offset?: number | ((view: DataView) => number)): Change =>
  (view) => {
    view.setUint16(at, length, true);
    if (offset !== undefined) view.setUint32(at + 4, typeof offset === 'number' ? offset : offset(view), true);
  };
const setU32 =
  (at: number, value: number): Change =>
  (view) => {
    view.setUint32(at, value, true);
  };
/** XORs the byte found by `locate` (usually relative to a field's offset). */
const xorByte =
  (locate: (view: DataView) => number, mask: number): Change =>
  (view) => {
    view.setUint8(locate(view), view.getUint8(locate(view)) ^ mask);
  };
const ntAt = (view: DataView) => view.getUint32(24, true);

describe('hostile NEGOTIATE', () => {
  const good = ntlmV2Client({ user: 'x', domain: '', password: '' }).negotiate;
  const cases: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['only the signature', good.subarray(0, 8)],
    ['15 bytes', good.subarray(0, 15)],
    ['20 bytes: half a security buffer', good.subarray(0, 20)],
    [
      'wrong signature',
      mutated(
        good,
        xorByte(() => 0, 0x20),
      ),
    ],
    ['type 3', mutated(good, setU32(8, 3))],
    ['type 0xffffffff', mutated(good, setU32(8, 0xffffffff))],
    ['domain offset past the end', mutated(good, setField(16, 4, 40))],
    ['domain length 65535', mutated(good, setField(16, 0xffff, 32))],
    ['workstation offset 2^32-1', mutated(good, setField(24, 1, 0xffffffff))],
    ['data inside the header', mutated(good, setField(24, 4, 8))],
    ['oversized', Buffer.concat([good, new Uint8Array(MAX_MESSAGE_SIZE)])],
    ['base64 text instead of bytes', Buffer.from(Buffer.from(good).toString('base64'))],
  ];
  it.each(cases)('%s -> failure', async (_, bytes) => {
    expect(await mechanism().start(authContext()).step(bytes)).toEqual(FAILURE);
  });

  it('accepts the 16-byte form of the oldest clients', async () => {
    expect((await mechanism().start(authContext()).step(good.subarray(0, 16))).kind).toBe('challenge');
  });
});

describe('hostile AUTHENTICATE', () => {
  it('the unmodified message succeeds (control)', async () => {
    const { ex, authenticate } = await validPair({ mic: true });
    expect(await ex.step(authenticate)).toEqual(SUCCESS);
  });

  it('every truncation fails', async () => {
    const { authenticate } = await validPair({ mic: true });
    for (let length = 0; length < authenticate.length; length++) {
      const { ex } = await validPair({ mic: true });
      expect(await ex.step(authenticate.subarray(0, length))).toEqual(FAILURE);
    }
  });

  const fieldAt = { lm: 12, nt: 20, domain: 28, user: 36, workstation: 44, sessionKey: 52 };
  const mutations: Array<[string, Change]> = [
    ['wrong signature', xorByte(() => 7, 1)],
    ['type 1', setU32(8, 1)],
    ['type 2', setU32(8, 2)],
    ...Object.entries(fieldAt).flatMap(
      ([name, at]): Array<[string, Change]> => [
        [`${name} length 65535`, setField(at, 0xffff)],
        [`${name} offset 2^32-1`, setField(at, 8, 0xffffffff)],
        [`${name} offset just past the end`, setField(at, 2, (view) => view.byteLength - 1)],
        [`${name} inside the header`, setField(at, 2, 20)],
      ],
    ),
    ['user name of odd length in UNICODE', (view) => setField(36, view.getUint16(36, true) - 1)(view)],
    ['empty user name', setField(36, 0)],
    ['empty NT response', setField(20, 0)],
    ['NT response of 47 bytes', setField(20, 47)],
    ['NT response of 24 bytes (v1)', setField(20, 24)],
    ['RespType 2', xorByte((view) => ntAt(view) + 16, 3)],
    ['AV pair running past the NT response', xorByte((view) => ntAt(view) + 16 + 28 + 3, 0xf0)],
    ['MIC announced but payload overlapping it', setU32(32, 80)],
    ['flipped NTProofStr bit', xorByte(ntAt, 0x80)],
    ['flipped blob bit', xorByte((view) => ntAt(view) + 40, 1)],
    ['flipped MIC bit', xorByte(() => 72, 1)],
    ['other user name', xorByte((view) => view.getUint32(40, true), 0x03)],
  ];

  it.each(mutations)('%s -> failure', async (_, change) => {
    const { ex, authenticate } = await validPair({ mic: true });
    expect(await ex.step(mutated(authenticate, change))).toEqual(FAILURE);
  });

  it('rejects an oversized message and a message of zeros', async () => {
    const { authenticate } = await validPair();
    for (const bytes of [Buffer.concat([authenticate, new Uint8Array(MAX_MESSAGE_SIZE)]), new Uint8Array(200)]) {
      const { ex } = await validPair();
      expect(await ex.step(bytes)).toEqual(FAILURE);
    }
  });
});

describe('fuzz', () => {
  // A fixed seed by default, so a failure reproduces; the long fuzz run (POPLAR_FUZZ_RUNS/SEED) explores further.
  const runs = {
    numRuns: Number(process.env.POPLAR_FUZZ_RUNS ?? 300),
    seed: Number(process.env.POPLAR_FUZZ_SEED ?? 20261126),
  };
  const db = userDatabase();
  const fuzzMechanism = createNtlmMechanism({ lookup: db.lookup, domain: 'EXAMPLE', computer: 'POPSRV' });

  // Mutations: overwrite bytes, truncate, append.
  const mutation = fc.record({
    writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    cut: fc.option(fc.nat()),
    tail: fc.uint8Array({ maxLength: 64 }),
  });
  const apply = (message: Uint8Array, m: { writes: [number, number][]; cut: number | null; tail: Uint8Array }) => {
    const copy = Uint8Array.from(message);
    for (const [at, value] of m.writes) copy[at % copy.length] = value;
    const cut = m.cut === null ? copy : copy.subarray(0, m.cut % (copy.length + 1));
    return Buffer.concat([cut, m.tail]);
  };

  it('a mutated real NEGOTIATE gives a challenge or a failure, never a throw', async () => {
    const negotiate = httpntlmClient('alice', PASSWORD, 'EXAMPLE').negotiate;
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const step = await fuzzMechanism.start(authContext()).step(apply(negotiate, m));
        expect(['challenge', 'failure']).toContain(step.kind);
        if (step.kind === 'failure') expect(step.reason).toBe('credentials');
      }),
      runs,
    );
  });

  it('a mutated real AUTHENTICATE replayed into another exchange always fails, never throws', async () => {
    const { authenticate, result } = await runExchange(fuzzMechanism, httpntlmClient('alice', PASSWORD, 'EXAMPLE'));
    expect(result).toEqual(SUCCESS);
    const negotiate = httpntlmClient('alice', PASSWORD, 'EXAMPLE').negotiate;
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const ex = fuzzMechanism.start(authContext());
        await ex.step(negotiate);
        expect(await ex.step(apply(authenticate, m))).toEqual(FAILURE);
      }),
      runs,
    );
  });

  it('a real AUTHENTICATE with a flipped NT response bit fails in its own exchange, whatever else changes', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.nat(), fc.integer({ min: 0, max: 7 }), async (m, index, bit) => {
        const { ex, authenticate } = await validPair({ mic: true });
        const ntOffset = u32(authenticate, 24);
        const ntLength = u16(authenticate, 20);
        const flipped = mutated(
          authenticate,
          xorByte(() => ntOffset + (index % ntLength), 1 << bit),
        );
        expect(await ex.step(apply(flipped, m))).toEqual(FAILURE);
      }),
      runs,
    );
  });

  it('random bytes behind a valid header never throw', async () => {
    const header = (type: number) => Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), Uint8Array.of(type, 0, 0, 0)]);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 400 }), async (body) => {
        const ex = fuzzMechanism.start(authContext());
        const first = await ex.step(Buffer.concat([header(1), body]));
        expect(['challenge', 'failure']).toContain(first.kind);
        const second = await fuzzMechanism.start(authContext());
        await second.step(httpntlmClient('a', 'b', '').negotiate);
        expect(await second.step(Buffer.concat([header(3), body]))).toEqual(FAILURE);
      }),
      runs,
    );
  });
});
