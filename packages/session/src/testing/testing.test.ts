import { describe, expect, it } from 'vitest';
import {
  createDuplexPair,
  createFakeMechanism,
  createFakeTimers,
  createMemoryStore,
  createMemoryVerifier,
} from './index.js';

const ctx = { connection: { id: 't', remoteAddress: '::1', secure: true }, signal: new AbortController().signal };

async function readAll(source: AsyncIterable<Uint8Array> | null): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source!) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString();
}

describe('createMemoryStore', () => {
  it('keeps a snapshot per open, growing decimal UIDs and exact sizes', async () => {
    const store = createMemoryStore({ users: { alice: ['a\n', 'bb\r\n'] }, chunkSize: 1 });
    const maildrop = await store.open({ user: 'alice', mechanism: 'USER' }, ctx);
    expect(store.deliver('alice', 'new\n')).toBe('3');
    expect(maildrop.count).toBe(2);
    expect([maildrop.uid(0), maildrop.uid(1), maildrop.size(0), maildrop.size(1)]).toEqual(['1', '2', 3, 4]);
    expect(await readAll(await maildrop.read(1, ctx.signal))).toBe('bb\r\n');
    store.remove('alice', '1');
    expect(await maildrop.read(0, ctx.signal)).toBeNull();
    await maildrop.commit([1]);
    expect(store.messages('alice').map((m) => m.uid)).toEqual(['3']);
    expect(store.deliver('alice', 'x')).toBe('4');
    await maildrop.release();
    await maildrop.release();
    expect(store.stats.releases).toBe(1);
    expect(store.openCount).toBe(0);
  });

  it('fails on request', async () => {
    const store = createMemoryStore({ users: { alice: ['a\n'] } });
    store.failNextCommit('alice');
    const maildrop = await store.open({ user: 'alice', mechanism: 'USER' }, ctx);
    await expect(maildrop.commit([0])).rejects.toThrow(/commit failure/);
    expect(store.messages('alice')).toHaveLength(1);
    await expect(store.open({ user: 'nobody', mechanism: 'USER' }, ctx)).rejects.toMatchObject({ kind: 'permanent' });
  });
});

describe('createMemoryVerifier', () => {
  it('checks passwords and records user names only', async () => {
    const verifier = createMemoryVerifier({ alice: 'pw' });
    expect(await verifier.verify('alice', 'pw', ctx)).toEqual({
      ok: true,
      identity: { user: 'alice', mechanism: 'USER' },
    });
    expect(await verifier.verify('alice', 'no', ctx)).toEqual({ ok: false, reason: 'credentials' });
    expect(await verifier.verify('toString', 'x', ctx)).toEqual({ ok: false, reason: 'credentials' });
    expect(verifier.calls).toEqual(['alice', 'alice', 'toString']);
  });
});

describe('createFakeMechanism', () => {
  it('plays its challenges, then its verdict', async () => {
    const mechanism = createFakeMechanism({ challenges: ['c'] });
    const exchange = mechanism.start(ctx);
    expect(await exchange.step(Buffer.from('bob'))).toEqual({ kind: 'challenge', data: Buffer.from('c') });
    expect(await exchange.step(Buffer.alloc(0))).toEqual({
      kind: 'success',
      identity: { user: 'bob', mechanism: 'FAKE' },
    });
    exchange.dispose();
    expect(mechanism.exchanges).toEqual([{ responses: [Buffer.from('bob'), Buffer.alloc(0)], disposed: 1 }]);
  });
});

describe('createFakeTimers', () => {
  it('fires due timers in order and only when advanced', async () => {
    const timers = createFakeTimers();
    const fired: string[] = [];
    timers.setTimeout(() => fired.push('b'), 20);
    timers.setTimeout(() => fired.push('a'), 10);
    const cancelled = timers.setTimeout(() => fired.push('x'), 15);
    timers.clearTimeout(cancelled);
    await timers.advance(15);
    expect(fired).toEqual(['a']);
    await timers.advance(5);
    expect(fired).toEqual(['a', 'b']);
    expect(timers.now).toBe(20);
    expect(timers.pending).toBe(0);
  });
});

describe('createDuplexPair', () => {
  it('applies backpressure when the other end does not read', () => {
    const [a, b] = createDuplexPair({ highWaterMark: 1024 });
    expect(a.write(Buffer.alloc(512))).toBe(true);
    expect(a.write(Buffer.alloc(4096))).toBe(false);
    expect(b.readableLength).toBe(4608);
    b.read();
    expect(a.writableLength).toBe(0);
  });
});
