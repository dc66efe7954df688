import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fixture } from './session.fixture.js';

const startTls = async (plain: Duplex) => plain;
type State = 'AUTHORIZATION' | 'AUTHORIZATION_USER' | 'TRANSACTION';

/** The first answer line of each command in each state. */
const TABLE: [string, Record<State, string>][] = [
  ['USER alice', { AUTHORIZATION: '+OK', AUTHORIZATION_USER: '+OK', TRANSACTION: 'wrong' }],
  [
    'PASS secret',
    { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: '+OK User successfully logged on.', TRANSACTION: 'wrong' },
  ],
  [
    'APOP alice 0123',
    {
      AUTHORIZATION: '-ERR Command is not supported.',
      AUTHORIZATION_USER: '-ERR Command is not supported.',
      TRANSACTION: 'wrong',
    },
  ],
  ['AUTH', { AUTHORIZATION: '+OK', AUTHORIZATION_USER: 'wrong', TRANSACTION: 'wrong' }],
  [
    'STLS',
    {
      AUTHORIZATION: '+OK Begin TLS negotiation.',
      AUTHORIZATION_USER: '+OK Begin TLS negotiation.',
      TRANSACTION: 'wrong',
    },
  ],
  ['CAPA', { AUTHORIZATION: '+OK', AUTHORIZATION_USER: '+OK', TRANSACTION: '+OK' }],
  [
    'QUIT',
    {
      AUTHORIZATION: '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
      AUTHORIZATION_USER: '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
      TRANSACTION: '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    },
  ],
  ['STAT', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK 3 114' }],
  ['LIST', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK 3 114' }],
  ['LIST 1', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK 1 28' }],
  ['RETR 1', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK 28 octets' }],
  ['DELE 1', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK' }],
  ['NOOP', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK' }],
  ['RSET', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK' }],
  ['TOP 1 0', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK' }],
  ['UIDL', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK' }],
  ['UIDL 3', { AUTHORIZATION: 'wrong', AUTHORIZATION_USER: 'wrong', TRANSACTION: '+OK 3 3' }],
];

const CASES = TABLE.flatMap(([line, states]) =>
  (Object.entries(states) as [State, string][]).map(([state, answer]) => ({ line, state, answer })),
);

describe('the command table', () => {
  it.each(CASES)('$line in $state answers $answer', async ({ line, state, answer }) => {
    const f = fixture({ startTls, settings: { loginType: 'PlainTextLogin' } });
    const s = state === 'TRANSACTION' ? await f.login() : await f.open();
    if (state === 'AUTHORIZATION_USER') {
      s.send('USER alice');
      expect(await s.line()).toBe('+OK');
    }
    s.send(line);
    expect(await s.line()).toBe(answer === 'wrong' ? '-ERR Command is not valid in this state.' : answer);
  });

  it('takes keywords in any case', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: stat
      S: +OK 3 114
      C: LiSt 1
      S: +OK 1 28
    `);
  });

  it('separates keyword and arguments by runs of SPACE or TAB (2.1.1)', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: LIST\t2
      S: +OK 2 54
      C: LIST  \t 3
      S: +OK 3 32
      C: TOP\t1 \t0
      S: +OK
      S: Subject: one
      S:
      S: .
      C: UIDL 1   
      S: +OK 1 1
    `);
  });

  it('has no 40-character argument limit, only the 512-octet line limit (2.1.2)', async () => {
    const s = await fixture({ settings: { maxProtocolErrors: 10 } }).open({ connection: { secure: true } });
    s.send(`USER ${'u'.repeat(505)}`);
    expect(await s.line()).toBe('+OK');
    s.send(`USER ${'u'.repeat(506)}`);
    expect(await s.line()).toBe('-ERR Protocol error. 10');
    s.send('USER alice', 'PASS secret');
    expect(await s.lines(2)).toEqual(['+OK', '+OK User successfully logged on.']);
    s.send(`LIST ${'0'.repeat(504)}1`);
    expect(await s.line()).toBe('-ERR Protocol error. 14');
    s.send(`LIST ${'0'.repeat(505)}1`);
    expect(await s.line()).toBe('-ERR Protocol error. 10');
    s.send('STAT');
    expect(await s.line()).toBe('+OK 3 114');
  });

  it('applies MaxCommandSize down to 40 octets', async () => {
    const s = await fixture({ settings: { maxCommandSize: 40 } }).login({ connection: { secure: true } });
    s.send(`UIDL 1${' '.repeat(32)}`);
    expect(await s.line()).toBe('+OK 1 1');
    s.send(`UIDL 1${' '.repeat(33)}`);
    expect(await s.line()).toBe('-ERR Protocol error. 10');
  });

  it('answers NUL, control and 8-bit octets in a keyword or an argument with Protocol error. 17', async () => {
    const s = await fixture({ settings: { maxProtocolErrors: 10 } }).login();
    s.write(Buffer.from('ST\0AT\r\n', 'latin1'));
    expect(await s.line()).toBe('-ERR Protocol error. 17');
    s.write(Buffer.from('LIST \xb9\r\n', 'latin1'));
    expect(await s.line()).toBe('-ERR Protocol error. 17');
    s.write(Buffer.from('NOOP\x07\r\n', 'latin1'));
    expect(await s.line()).toBe('-ERR Protocol error. 17');
  });

  it('answers an empty line and an unknown command with Protocol error. 19', async () => {
    const s = await fixture().login();
    await s.expect(`
      C:
      S: -ERR Protocol error. 19
      C: XTND XMIT
      S: -ERR Protocol error. 19
      C: NOOP
      S: +OK
    `);
  });
});

describe('limits', () => {
  it('closes after the third unknown command with Protocol error. 20 (Exchange)', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: LAST
      C: UTF8
      C: XYZZY
      S: -ERR Protocol error. 19
      S: -ERR Protocol error. 19
      S: -ERR Protocol error. 20
      S: (closed)
    `);
    expect(await s.result).toMatchObject({ end: 'limit', commands: 5 });
  });

  it('closes at the third protocol error of any kind with the closing line', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: LAST
      C: LIST x
      C: STAT 1
      S: -ERR Protocol error. 19
      S: -ERR Protocol error. 14
      S: -ERR Protocol error. 16
      S: Connection is closed. 21
      S: (closed)
    `);
  });

  it('answers an over-long line once and goes on, counting it as a protocol error', async () => {
    const f = fixture();
    const s = await f.login();
    s.write(`NOOP ${'x'.repeat(5000)}\r\nNOOP\r\n`);
    expect(await s.lines(2)).toEqual(['-ERR Protocol error. 10', '+OK']);
    s.write(`${'y'.repeat(3000)}\r\n${'z'.repeat(700)}\r\n`);
    expect(await s.lines(3)).toEqual([
      '-ERR Protocol error. 10',
      '-ERR Protocol error. 10',
      'Connection is closed. 21',
    ]);
    expect(await s.result).toMatchObject({ end: 'limit' });
  });

  it('closes at maxBadCommands, wrong-state commands included', async () => {
    const s = await fixture({ settings: { maxBadCommands: 4 } }).login();
    s.send('USER a', 'USER b', 'AUTH', 'STAT', 'PASS c');
    expect(await s.rest()).toEqual([
      '-ERR Command is not valid in this state.',
      '-ERR Command is not valid in this state.',
      '-ERR Command is not valid in this state.',
      '+OK 3 114',
      '-ERR Command is not valid in this state.',
      'Connection is closed. 21',
    ]);
  });

  it('closes on the tenth command before login (maxPreAuthCommands 9)', async () => {
    const f = fixture();
    const s = await f.open({ connection: { secure: true } });
    for (let i = 0; i < 9; i++) s.send('USER alice');
    expect(await s.lines(9)).toEqual(Array(9).fill('+OK'));
    s.send('PASS secret');
    expect(await s.rest()).toEqual(['-ERR Too many commands before logon.', 'Connection is closed. 21']);
    expect(f.passwords.calls).toEqual([]);
  });

  it('does not limit commands after login', async () => {
    const s = await fixture().login();
    s.send(...Array(50).fill('NOOP'));
    expect(await s.lines(50)).toEqual(Array(50).fill('+OK'));
  });
});

describe('responses', () => {
  it('are at most 512 octets including CRLF (C0001), whatever the configured text', async () => {
    const f = fixture({ texts: { POP3_ERR_UNKNOWN_COMMAND: 'x'.repeat(700) }, settings: { banner: 'b'.repeat(600) } });
    const s = (await import('./testing/index.js')).openTestSession(f.engine);
    const greeting = await s.line();
    expect(greeting.length + 2).toBe(512);
    s.send('FOO');
    const error = await s.line();
    expect(error.length + 2).toBe(512);
    expect(error.startsWith('-ERR xxx')).toBe(true);
  });

  it('use the texts option and fill in the message number', async () => {
    const f = fixture({
      texts: { POP3_ERR_MESSAGE_DELETED: 'Nachricht {msn} ist gel\u00f6scht.', POP3_OK_SIGNING_OFF: 'bye' },
    });
    const s = await f.login();
    s.send('DELE 2', 'RETR 2', 'QUIT');
    expect(await s.lines(3)).toEqual(['+OK', '-ERR Nachricht 2 ist gel\u00c3\u00b6scht.', '+OK bye']);
  });
});
