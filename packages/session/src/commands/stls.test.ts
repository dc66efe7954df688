import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../contracts.js';
import type { SessionEvent } from '../options.js';
import { fixture } from '../session.fixture.js';

/** Stands in for TLS: a new stream that passes bytes through to the plain one, both ways. */
function fakeTls(plain: Duplex): Promise<Duplex> {
  const secure = new Duplex({
    read() {
      plain.resume();
    },
    write(chunk, _encoding, callback) {
      plain.write(chunk, callback);
    },
    final(callback) {
      plain.end();
      callback();
    },
  });
  plain.on('data', (chunk) => {
    if (!secure.push(chunk)) plain.pause();
  });
  plain.on('end', () => secure.push(null));
  plain.on('close', () => secure.destroy());
  return Promise.resolve(secure);
}

describe('STLS', () => {
  it('answers +OK, continues over the returned stream as secure, and then offers USER', async () => {
    const seen: { event: SessionEvent; connection: ConnectionInfo }[] = [];
    const f = fixture({
      startTls: fakeTls,
      hooks: { event: (connection, event) => void seen.push({ connection, event }) },
    });
    const s = await f.open();
    s.send('CAPA');
    expect(await s.multiline()).toEqual(['+OK', 'TOP', 'UIDL', 'STLS', 'PIPELINING']);
    s.send('STLS');
    expect(await s.line()).toBe('+OK Begin TLS negotiation.');
    await s.expect(`
      C: CAPA
      S: +OK
      S: TOP
      S: UIDL
      S: USER
      S: PIPELINING
      S: .
      C: USER alice
      S: +OK
      C: PASS secret
      S: +OK User successfully logged on.
    `);
    expect(seen.some(({ event }) => event.type === 'tls')).toBe(true);
    const login = seen.find(({ event }) => event.type === 'login');
    expect(login?.connection.secure).toBe(true);
  });

  it('never executes commands pipelined after STLS', async () => {
    const f = fixture({ startTls: fakeTls, settings: { loginType: 'PlainTextLogin' } });
    const s = await f.open();
    s.send('STLS', 'USER alice', 'PASS secret', 'STAT', 'QUIT');
    expect(await s.line()).toBe('+OK Begin TLS negotiation.');
    s.send('NOOP');
    expect(await s.line()).toBe('-ERR Command is not valid in this state.');
    expect(f.passwords.calls).toEqual([]);
    expect(f.store.stats.opens).toBe(0);
  });

  it('forgets a USER given before STLS', async () => {
    const s = await fixture({ startTls: fakeTls }).open();
    await s.expect(`
      C: USER alice
      S: +OK
      C: STLS
      S: +OK Begin TLS negotiation.
      C: PASS secret
      S: -ERR Command is not valid in this state.
    `);
  });

  it('is refused a second time, after login, on implicit TLS, and where TLS is not configured', async () => {
    const f = fixture({ startTls: fakeTls });
    const s = await f.open();
    await s.expect(`
      C: STLS x
      S: -ERR Protocol error. 16
      C: STLS
      S: +OK Begin TLS negotiation.
      C: STLS
      S: -ERR Command is not valid in this state.
    `);
    const implicit = await f.open({ connection: { secure: true } });
    await implicit.expect(`
      C: STLS
      S: -ERR Command is not valid in this state.
    `);
    const loggedIn = await f.login();
    await loggedIn.expect(`
      C: STLS
      S: -ERR Command is not valid in this state.
    `);
    const plain = await fixture().open();
    await plain.expect(`
      C: STLS
      S: -ERR Command is not supported.
    `);
  });

  it('ends the session when the handshake fails', async () => {
    const events: SessionEvent[] = [];
    const f = fixture({
      startTls: () => Promise.reject(new Error('handshake failed')),
      hooks: { event: (_c, e) => void events.push(e) },
    });
    const s = await f.open();
    s.send('STLS');
    expect(await s.line()).toBe('+OK Begin TLS negotiation.');
    expect(await s.result).toMatchObject({ end: 'error' });
    expect(s.server.destroyed).toBe(true);
    expect(events.some((e) => e.type === 'error')).toBe(true);
  });

  it('gives up a handshake that does not finish within the pre-authentication timeout', async () => {
    const f = fixture({ startTls: () => new Promise<Duplex>(() => {}) });
    const s = await f.open();
    s.send('STLS');
    expect(await s.line()).toBe('+OK Begin TLS negotiation.');
    await f.timers.advance(60_000);
    expect(await s.result).toMatchObject({ end: 'timeout' });
    expect(s.server.destroyed).toBe(true);
  });
});
