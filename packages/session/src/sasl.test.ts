import { describe, expect, it } from 'vitest';
import type { SessionEvent } from './options.js';
import { fixture } from './session.fixture.js';
import { createFakeMechanism } from './testing/index.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const SECURE = { connection: { secure: true } };

describe('AUTH (RFC 5034 framing)', () => {
  it('sends "+ " to a client-first mechanism without an initial response, then takes the next line', async () => {
    const fake = createFakeMechanism();
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    s.send('AUTH FAKE');
    expect(await s.line()).toBe('+ ');
    s.send(b64('alice'));
    expect(await s.line()).toBe('+OK User successfully authenticated.');
    expect(fake.exchanges[0]?.responses).toEqual([Buffer.from('alice')]);
    expect(fake.exchanges[0]?.disposed).toBe(1);
    s.send('STAT');
    expect(await s.line()).toBe('+OK 3 114');
  });

  it('accepts an initial response on the AUTH line, with a case-insensitive mechanism name', async () => {
    const fake = createFakeMechanism();
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: auth fake ${b64('alice')}
      S: +OK User successfully authenticated.
    `);
  });

  it('takes "=" and an empty line as zero-length responses', async () => {
    const fake = createFakeMechanism({
      challenges: ['c1'],
      verdict: () => ({ kind: 'failure', reason: 'credentials' }),
    });
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE =
      S: + ${b64('c1')}
      C:
      S: -ERR Authentication failure: unknown user name or bad password.
    `);
    expect(fake.exchanges[0]?.responses).toEqual([Buffer.alloc(0), Buffer.alloc(0)]);
  });

  it('runs several challenges, and sends an empty challenge as "+ "', async () => {
    const fake = createFakeMechanism({
      challenges: ['first', ''],
      verdict: (r) => ({ kind: 'success', identity: { user: r[1]!.toString(), mechanism: 'FAKE' } }),
    });
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE ${b64('hello')}
      S: + ${b64('first')}
      C: ${b64('alice')}
      S: + 
      C: =
      S: +OK User successfully authenticated.
    `);
  });

  it('starts a server-first mechanism with step(null) and refuses an initial response for it', async () => {
    const fake = createFakeMechanism({ name: 'SFIRST', clientFirst: false, challenges: ['hi'] });
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: AUTH SFIRST ${b64('x')}
      S: -ERR Protocol error. 16
      C: AUTH SFIRST
      S: + ${b64('hi')}
      C: ${b64('alice')}
      S: +OK User successfully authenticated.
    `);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.exchanges[0]?.responses).toEqual([null, Buffer.from('alice')]);
  });

  it('cancels on "*" with Exchange\'s text and disposes the exchange', async () => {
    const fake = createFakeMechanism({ challenges: ['c'] });
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE
      S: + 
      C: *
      S: -ERR The AUTH protocol exchange was canceled by the client.
      C: AUTH FAKE ${b64('a')}
      S: + ${b64('c')}
      C: *
      S: -ERR The AUTH protocol exchange was canceled by the client.
    `);
    expect(fake.exchanges.map((e) => e.disposed)).toEqual([1, 1]);
  });

  it('refuses a response that is not strict base64', async () => {
    const fake = createFakeMechanism({ challenges: ['c'] });
    const s = await fixture({ mechanisms: [fake] }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE YWxpY2U
      S: -ERR Authentication failure: the response is not valid base64.
      C: AUTH FAKE
      S: + 
      C: YWx pY2U=
      S: -ERR Authentication failure: the response is not valid base64.
    `);
    expect(fake.exchanges).toHaveLength(1);
    expect(fake.exchanges[0]?.disposed).toBe(1);
  });

  it('stops an exchange that takes more steps than maxAuthSteps', async () => {
    const fake = createFakeMechanism({ challenges: ['1', '2', '3', '4'] });
    const s = await fixture({ mechanisms: [fake], settings: { maxAuthSteps: 3 } }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE =
      S: + ${b64('1')}
      C: =
      S: + ${b64('2')}
      C: =
      S: -ERR Authentication failure: too many steps.
    `);
    expect(fake.exchanges[0]?.responses).toHaveLength(3);
  });

  it('refuses a continuation line over maxAuthLineSize, then goes on', async () => {
    const fake = createFakeMechanism();
    const s = await fixture({ mechanisms: [fake], settings: { maxAuthLineSize: 1024 } }).open(SECURE);
    s.send('AUTH FAKE');
    expect(await s.line()).toBe('+ ');
    s.send('QUFB'.repeat(300));
    expect(await s.line()).toBe('-ERR Authentication failure: the response line is too long.');
    s.send('NOOP');
    expect(await s.line()).toBe('-ERR Command is not valid in this state.');
  });

  it('accepts an AUTH line longer than maxCommandSize, but no other line, and none after login', async () => {
    const user = 'a'.repeat(1500);
    const fake = createFakeMechanism({
      verdict: () => ({ kind: 'success', identity: { user: 'alice', mechanism: 'FAKE' } }),
    });
    const s = await fixture({ mechanisms: [fake], settings: { maxAuthLineSize: 4096 } }).open(SECURE);
    s.send(`USER ${user}`);
    expect(await s.line()).toBe('-ERR Protocol error. 10');
    s.send(`AUTH FAKE ${b64(user)}`);
    expect(await s.line()).toBe('+OK User successfully authenticated.');
    s.send(`LIST ${'1'.repeat(600)}`);
    expect(await s.line()).toBe('-ERR Protocol error. 10');
    s.send('NOOP');
    expect(await s.line()).toBe('+OK');
  });

  it('answers an unknown mechanism with Protocol error. 14 and too many arguments with 16', async () => {
    const s = await fixture({ mechanisms: [createFakeMechanism()] }).open(SECURE);
    await s.expect(`
      C: AUTH KERBEROS_V4
      S: -ERR Protocol error. 14
      C: AUTH FAKE a b
      S: -ERR Protocol error. 16
    `);
  });

  it('lists usable mechanisms for bare AUTH and for "AUTH " with a trailing space', async () => {
    const s = await fixture({
      mechanisms: [createFakeMechanism({ name: 'NTLM' }), createFakeMechanism({ name: 'PLAIN' })],
    }).open(SECURE);
    s.send('AUTH');
    expect(await s.multiline()).toEqual(['+OK', 'NTLM', 'PLAIN']);
    s.send('AUTH ');
    expect(await s.multiline()).toEqual(['+OK', 'NTLM', 'PLAIN']);
  });

  it('is not valid after USER or after login', async () => {
    const f = fixture({ mechanisms: [createFakeMechanism()] });
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      S: +OK
      C: AUTH FAKE ${b64('alice')}
      S: -ERR Command is not valid in this state.
      C: PASS secret
      S: +OK User successfully logged on.
      C: AUTH FAKE ${b64('alice')}
      S: -ERR Command is not valid in this state.
      C: AUTH
      S: -ERR Command is not valid in this state.
    `);
  });

  it('answers [SYS/TEMP] for a temporary failure or a throwing mechanism, without counting a failed login', async () => {
    let calls = 0;
    const fake = createFakeMechanism({
      verdict: () => {
        calls++;
        if (calls === 1) return { kind: 'failure', reason: 'temporary' };
        if (calls === 2) throw new Error('KDC down');
        return { kind: 'failure', reason: 'credentials' };
      },
    });
    const s = await fixture({ mechanisms: [fake], settings: { responseCodes: true, maxFailedLogins: 1 } }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE ${b64('alice')}
      S: -ERR [SYS/TEMP] Server Unavailable. 21
      C: AUTH FAKE ${b64('alice')}
      S: -ERR [SYS/TEMP] Server Unavailable. 21
      C: AUTH FAKE
      S: + 
      C: =
      S: -ERR [AUTH] Authentication failure: unknown user name or bad password.
      S: Connection is closed. 21
      S: (closed)
    `);
    expect(fake.exchanges.map((e) => e.disposed)).toEqual([1, 1, 1]);
  });

  it('counts cancelled exchanges as failed logins: the third gets the closing line', async () => {
    const s = await fixture({ mechanisms: [createFakeMechanism()] }).open(SECURE);
    await s.expect(`
      C: AUTH FAKE
      C: *
      C: AUTH FAKE
      C: *
      C: AUTH FAKE
      C: *
      S: + 
      S: -ERR The AUTH protocol exchange was canceled by the client.
      S: + 
      S: -ERR The AUTH protocol exchange was canceled by the client.
      S: + 
      S: -ERR The AUTH protocol exchange was canceled by the client.
      S: Connection is closed. 21
      S: (closed)
    `);
  });

  it('disposes the exchange when the client vanishes in the middle', async () => {
    const fake = createFakeMechanism({ challenges: ['c'] });
    const f = fixture({ mechanisms: [fake] });
    const s = await f.open(SECURE);
    s.send(`AUTH FAKE ${b64('x')}`);
    expect(await s.line()).toBe(`+ ${b64('c')}`);
    s.vanish();
    expect((await s.result).end).toBe('closed');
    expect(fake.exchanges[0]?.disposed).toBe(1);
  });

  it('never reports AUTH data or the password in events', async () => {
    const events: SessionEvent[] = [];
    const fake = createFakeMechanism({
      challenges: ['secret-challenge'],
      verdict: () => ({ kind: 'success', identity: { user: 'alice', mechanism: 'FAKE' } }),
    });
    const f = fixture({ mechanisms: [fake], hooks: { event: (_c, e) => void events.push(e) } });
    const s = await f.open(SECURE);
    await s.expect(`
      C: AUTH FAKE ${b64('initial-secret')}
      S: + ${b64('secret-challenge')}
      C: ${b64('response-secret')}
      S: +OK User successfully authenticated.
      C: QUIT
      S: +OK Microsoft Exchange Server 2013 POP3 server signing off.
    `);
    const s2 = await f.open(SECURE);
    s2.send('USER alice', 'PASS password-secret');
    await s2.lines(2);
    const text = JSON.stringify(events);
    for (const secret of ['secret', b64('initial-secret'), b64('response-secret')]) {
      expect(text).not.toContain(secret);
    }
    expect(events.filter((e) => e.type === 'command').map((e) => (e as { keyword: string }).keyword)).toEqual([
      'AUTH',
      'QUIT',
      'USER',
      'PASS',
    ]);
  });
});
