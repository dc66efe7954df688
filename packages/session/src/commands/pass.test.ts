import { describe, expect, it } from 'vitest';
import { fixture, GREETING } from '../session.fixture.js';

const SECURE = { connection: { secure: true } };

describe('USER and PASS', () => {
  it('logs in with the Exchange texts (V0008: USER answers a bare +OK)', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      S: +OK
      C: PASS secret
      S: +OK User successfully logged on.
      C: QUIT
      S: +OK Microsoft Exchange Server 2013 POP3 server signing off.
      S: (closed)
    `);
    expect(await s.result).toMatchObject({ user: 'alice', end: 'quit' });
  });

  it('answers USER +OK for a mailbox that does not exist, and the same -ERR at PASS (V0009)', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER nobody
      S: +OK
      C: PASS secret
      S: -ERR Logon failure: unknown user name or bad password.
      C: USER alice
      S: +OK
      C: PASS wrong
      S: -ERR Logon failure: unknown user name or bad password.
    `);
    expect(f.passwords.calls).toEqual(['nobody', 'alice']);
  });

  it('takes the whole rest of the line as the password, spaces included (V0011)', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER bob
      S: +OK
      C: PASS bob pass
      S: +OK User successfully logged on.
    `);
  });

  it('keeps runs of spaces and tabs inside the password, and decodes it as UTF-8', async () => {
    const f = fixture();
    const verified: string[] = [];
    const s = await f.open(SECURE);
    f.passwords.verify = async (_user, password) => {
      verified.push(password);
      return { ok: false, reason: 'credentials' };
    };
    s.send('USER alice');
    expect(await s.line()).toBe('+OK');
    s.write(Buffer.concat([Buffer.from('PASS \t p\u00e4ss  \tword '), Buffer.from('\r\n')]));
    expect(await s.line()).toBe('-ERR Logon failure: unknown user name or bad password.');
    expect(verified).toEqual(['p\u00e4ss  \tword ']);
  });

  it('refuses PASS without USER, and PASS or USER after login, as not valid in this state', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: PASS secret
      S: -ERR Command is not valid in this state.
      C: USER alice
      S: +OK
      C: PASS secret
      S: +OK User successfully logged on.
      C: USER alice
      S: -ERR Command is not valid in this state.
      C: PASS secret
      S: -ERR Command is not valid in this state.
    `);
  });

  it('needs USER again after a failed PASS', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      S: +OK
      C: PASS nope
      S: -ERR Logon failure: unknown user name or bad password.
      C: PASS secret
      S: -ERR Command is not valid in this state.
    `);
  });

  it('refuses PASS with no password as a wrong argument count', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      S: +OK
      C: PASS
      S: -ERR Protocol error. 16
      C: USER
      S: -ERR Protocol error. 16
      C: USER a b
      S: -ERR Protocol error. 16
    `);
  });

  it('accepts 8-bit octets and NUL in the password but not in the keyword or in USER', async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    s.send('USER alice');
    expect(await s.line()).toBe('+OK');
    s.write(Buffer.from([...Buffer.from('PASS a'), 0, 0xff, 0x0d, 0x0a]));
    expect(await s.line()).toBe('-ERR Logon failure: unknown user name or bad password.');
    s.write(Buffer.from([...Buffer.from('USER al'), 0xe9, 0x0d, 0x0a]));
    expect(await s.line()).toBe('-ERR Protocol error. 17');
  });

  it("closes the connection at the third failed login with Exchange's second line", async () => {
    const f = fixture();
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS 1
      C: USER alice
      C: PASS 2
      C: USER alice
      C: PASS 3
      S: +OK
      S: -ERR Logon failure: unknown user name or bad password.
      S: +OK
      S: -ERR Logon failure: unknown user name or bad password.
      S: +OK
      S: -ERR Logon failure: unknown user name or bad password.
      S: Connection is closed. 21
      S: (closed)
    `);
    expect(await s.result).toMatchObject({ end: 'limit', user: undefined });
  });

  it('answers [AUTH] on a failed login and [SYS/TEMP] when the user database is down, with response codes on', async () => {
    const f = fixture({ settings: { responseCodes: true } });
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS wrong
      S: +OK
      S: -ERR [AUTH] Logon failure: unknown user name or bad password.
    `);
    f.passwords.unavailable = true;
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: -ERR [SYS/TEMP] Server Unavailable. 21
    `);
  });

  it('does not count an unavailable user database as a failed login', async () => {
    const f = fixture({ settings: { maxFailedLogins: 1 } });
    f.passwords.unavailable = true;
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: -ERR Server Unavailable. 21
    `);
    f.passwords.unavailable = false;
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: +OK User successfully logged on.
    `);
  });

  it('treats a verifier that throws as unavailable and reports the error', async () => {
    const events: string[] = [];
    const f = fixture({ hooks: { event: (_c, e) => void events.push(e.type) } });
    f.passwords.verify = () => Promise.reject(new Error('database gone'));
    const s = await f.open(SECURE);
    await s.expect(`
      C: USER alice
      C: PASS secret
      S: +OK
      S: -ERR Server Unavailable. 21
    `);
    expect(events).toContain('error');
  });

  it('starts with the banner setting as greeting', async () => {
    const f = fixture({ settings: { banner: 'pop.example.test ready' } });
    const s = await f.open();
    s.send('QUIT');
    expect(await s.line()).toBe('+OK Microsoft Exchange Server 2013 POP3 server signing off.');
    expect(GREETING).toBe('+OK The Microsoft Exchange POP3 service is ready.');
  });
});
