import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { StoreError } from './contracts.js';
import type { SessionEvent } from './options.js';
import { fixture } from './session.fixture.js';
import type { TestSession } from './testing/index.js';

const SECURE = { connection: { secure: true } };

describe('after good credentials', () => {
  it('refuses with [IN-USE] when the host says the user has too many sessions, without counting a failed login', async () => {
    const acquired: string[] = [];
    const released: string[] = [];
    let allow = false;
    const f = fixture({
      settings: { responseCodes: true, maxFailedLogins: 1 },
      hooks: {
        acquireUser: (identity) => {
          acquired.push(identity.user);
          return allow;
        },
        releaseUser: (identity) => void released.push(identity.user),
      },
    });
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: -ERR [IN-USE] Too many connections for this user.
    `);
    expect(f.store.stats.opens).toBe(0);
    allow = true;
    await s.expect(`
      C: USER alice
      C: PASS secret
      C: QUIT
      S: +OK
      S: +OK User successfully logged on.
      S: +OK Microsoft Exchange Server 2013 POP3 server signing off.
    `);
    await s.result;
    expect(acquired).toEqual(['alice', 'alice']);
    expect(released).toEqual(['alice']);
  });

  it('refuses with [LOGIN-DELAY] when the host asks for it', async () => {
    const f = fixture({ settings: { responseCodes: true }, hooks: { acquireUser: () => 'login-delay' } });
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: -ERR [LOGIN-DELAY] Logins for this user are too frequent; try again later.
    `);
  });

  it.each([
    [new StoreError('temporary', 'disk busy'), '-ERR [SYS/TEMP] Server Unavailable. 21'],
    [new StoreError('permanent', 'no such maildir'), '-ERR [SYS/PERM] The mailbox cannot be opened.'],
    [new StoreError('in-use', 'locked'), '-ERR [IN-USE] The mailbox is in use by another session.'],
    [new Error('unexpected'), '-ERR [SYS/TEMP] Server Unavailable. 21'],
  ])('maps a store open failure (%s) and releases the user', async (error, answer) => {
    const released: string[] = [];
    const f = fixture({
      settings: { responseCodes: true },
      hooks: { releaseUser: (identity) => void released.push(identity.user) },
    });
    f.store.failOpen('alice', error);
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS secret');
    expect(await s.lines(2)).toEqual(['+OK', answer]);
    expect(released).toEqual(['alice']);
    f.store.failOpen('alice', undefined);
    s.send('USER alice', 'PASS secret');
    expect(await s.lines(2)).toEqual(['+OK', '+OK User successfully logged on.']);
  });

  it('answers [IN-USE] from a store that locks the maildrop', async () => {
    const f = fixture({ exclusive: true, settings: { responseCodes: true } });
    const first = await f.login();
    const second = await f.open(SECURE);
    second.send('USER alice', 'PASS secret');
    expect(await second.lines(2)).toEqual(['+OK', '-ERR [IN-USE] The mailbox is in use by another session.']);
    first.send('QUIT');
    await first.result;
    second.send('USER alice', 'PASS secret');
    expect(await second.lines(2)).toEqual(['+OK', '+OK User successfully logged on.']);
  });

  it('reports login and failed-login events without secrets', async () => {
    const events: SessionEvent[] = [];
    const f = fixture({ hooks: { event: (_c, e) => void events.push(e) } });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS wrong', 'USER alice', 'PASS secret', 'QUIT');
    await s.rest();
    expect(events.filter((e) => e.type !== 'command')).toEqual([
      { type: 'login-failed', user: 'alice', mechanism: 'USER' },
      { type: 'login', identity: { user: 'alice', mechanism: 'USER' } },
    ]);
    expect(events.filter((e) => e.type === 'command')).toEqual([
      { type: 'command', keyword: 'USER', ok: true, bytesOut: 5 },
      { type: 'command', keyword: 'PASS', ok: false, bytesOut: 56, error: 'POP3_ERR_LOGON_FAILURE' },
      { type: 'command', keyword: 'USER', ok: true, bytesOut: 5 },
      { type: 'command', keyword: 'PASS', ok: true, bytesOut: 34 },
      { type: 'command', keyword: 'QUIT', ok: true, bytesOut: 61 },
    ]);
    expect(JSON.stringify(events)).not.toContain('wrong');
    expect(JSON.stringify(events)).not.toContain('secret');
  });
});

describe('hooks that answer with a promise', () => {
  /** A promise the test settles by hand. */
  function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
    let resolve!: (value: T) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  /** Lets pending callbacks run; then nothing must have come from the server. */
  async function silent(s: TestSession): Promise<void> {
    for (let i = 0; i < 20; i++) await tick();
    expect(s.client.readableLength).toBe(0);
  }

  it('waits for acquireUser, running no pipelined command meanwhile, then logs in', async () => {
    const verdict = deferred<boolean>();
    const f = fixture({ hooks: { acquireUser: () => verdict.promise } });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS secret', 'STAT', 'QUIT');
    await silent(s);
    expect(f.store.stats.opens).toBe(0);
    verdict.resolve(true);
    expect(await s.rest()).toEqual([
      '+OK',
      '+OK User successfully logged on.',
      expect.stringMatching(/^\+OK 3 \d+$/),
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
  });

  it('refuses with [IN-USE] when the promise answers false, and releases nothing', async () => {
    const released: string[] = [];
    const f = fixture({
      settings: { responseCodes: true },
      hooks: {
        acquireUser: async () => false,
        releaseUser: (identity) => void released.push(identity.user),
      },
    });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS secret', 'QUIT');
    expect(await s.rest()).toEqual([
      '+OK',
      '-ERR [IN-USE] Too many connections for this user.',
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
    expect(released).toEqual([]);
    expect(await s.result).toMatchObject({ user: undefined });
  });

  it('answers [SYS/TEMP] when acquireUser rejects, without counting a failed login', async () => {
    const events: SessionEvent[] = [];
    const f = fixture({
      settings: { responseCodes: true, maxFailedLogins: 1 },
      hooks: {
        acquireUser: () => Promise.reject(new Error('the limits did not answer')),
        event: (_c, e) => void events.push(e),
      },
    });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS secret', 'QUIT');
    expect(await s.rest()).toEqual([
      '+OK',
      '-ERR [SYS/TEMP] Server Unavailable. 21',
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
    expect(events.some((e) => e.type === 'login-failed')).toBe(false);
    expect(events).toContainEqual({ type: 'error', error: new Error('the limits did not answer') });
  });

  it('adds the penalty a loginFailed promise answers, reading no input until the answer is sent', async () => {
    const penalty = deferred<number>();
    const f = fixture({ settings: { failedLoginDelayMs: 1000 }, hooks: { loginFailed: () => penalty.promise } });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS wrong', 'QUIT');
    // The delay starts once the penalty is known.
    await f.timers.advance(5000);
    await silent(s);
    penalty.resolve(700);
    expect(await s.line()).toBe('+OK');
    await f.timers.advance(1699);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.rest()).toEqual([
      '-ERR Logon failure: unknown user name or bad password.',
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
  });

  it('keeps the base delay and reports an error when loginFailed rejects', async () => {
    const events: SessionEvent[] = [];
    const f = fixture({
      settings: { failedLoginDelayMs: 1000 },
      hooks: {
        loginFailed: async () => {
          throw new Error('the penalty table did not answer');
        },
        event: (_c, e) => void events.push(e),
      },
    });
    const s = await f.open(SECURE);
    s.send('USER alice', 'PASS wrong', 'QUIT');
    expect(await s.line()).toBe('+OK');
    await f.timers.advance(999);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.line()).toBe('-ERR Logon failure: unknown user name or bad password.');
    expect(events).toContainEqual({ type: 'error', error: new Error('the penalty table did not answer') });
  });
});
