import { describe, expect, it } from 'vitest';
import type { LoginType } from './options.js';
import { fixture } from './session.fixture.js';
import { createFakeMechanism } from './testing/index.js';

function mechanisms() {
  return [
    createFakeMechanism({ name: 'NTLM' }),
    createFakeMechanism({ name: 'GSSAPI', available: false }),
    createFakeMechanism({ name: 'PLAIN', plaintext: true }),
  ];
}

const startTls = async (plain: import('node:stream').Duplex) => plain;

describe('CAPA', () => {
  it('lists capabilities in Exchange order, SASL without unavailable mechanisms', async () => {
    const f = fixture({ mechanisms: mechanisms(), startTls, settings: { loginType: 'PlainTextLogin' } });
    const s = await f.open();
    s.send('CAPA');
    expect(await s.multiline()).toEqual(['+OK', 'TOP', 'UIDL', 'SASL NTLM PLAIN', 'USER', 'STLS', 'PIPELINING']);
  });

  it('adds RESP-CODES and AUTH-RESP-CODE when response codes are on', async () => {
    const f = fixture({ settings: { responseCodes: true } });
    const s = await f.open({ connection: { secure: true } });
    s.send('CAPA');
    expect(await s.multiline()).toEqual(['+OK', 'TOP', 'UIDL', 'USER', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE']);
  });

  it('leaves out STLS when no TLS is configured, and after login leaves out SASL, USER and STLS', async () => {
    const f = fixture({ mechanisms: mechanisms() });
    const s = await f.login();
    s.send('CAPA');
    expect(await s.multiline()).toEqual(['+OK', 'TOP', 'UIDL', 'PIPELINING']);
  });

  it('follows a mechanism whose availability changes while the server runs', async () => {
    let available = true;
    const flaky = {
      ...createFakeMechanism({ name: 'GSSAPI' }),
      get available() {
        return available;
      },
    };
    const f = fixture({ mechanisms: [flaky] });
    const s = await f.open({ connection: { secure: true } });
    s.send('CAPA');
    expect(await s.multiline()).toContain('SASL GSSAPI');
    available = false;
    s.send('CAPA');
    expect(await s.multiline()).not.toContain('SASL GSSAPI');
    s.send('AUTH GSSAPI');
    expect(await s.line()).toBe('-ERR Protocol error. 14');
  });
});

/** What each LoginType allows before TLS; after TLS everything is allowed. */
const MATRIX: Record<LoginType, { capa: string[]; userPass: boolean; ntlm: boolean; plain: boolean }> = {
  PlainTextLogin: {
    capa: ['+OK', 'TOP', 'UIDL', 'SASL NTLM PLAIN', 'USER', 'STLS', 'PIPELINING'],
    userPass: true,
    ntlm: true,
    plain: true,
  },
  PlainTextAuthentication: {
    capa: ['+OK', 'TOP', 'UIDL', 'SASL NTLM', 'STLS', 'PIPELINING'],
    userPass: false,
    ntlm: true,
    plain: false,
  },
  SecureLogin: { capa: ['+OK', 'TOP', 'UIDL', 'STLS', 'PIPELINING'], userPass: false, ntlm: false, plain: false },
};

describe.each(Object.entries(MATRIX))('LoginType %s', (loginType, allowed) => {
  const options = () => ({ mechanisms: mechanisms(), startTls, settings: { loginType: loginType as LoginType } });

  it('advertises in CAPA and bare AUTH exactly what is usable before TLS', async () => {
    const s = await fixture(options()).open();
    s.send('CAPA');
    expect(await s.multiline()).toEqual(allowed.capa);
    s.send('AUTH');
    const names = [allowed.ntlm ? 'NTLM' : '', allowed.plain ? 'PLAIN' : ''].filter(Boolean);
    expect(await s.multiline()).toEqual(['+OK', ...names]);
  });

  it(`${allowed.userPass ? 'accepts' : 'refuses'} USER/PASS before TLS; USER itself always answers +OK`, async () => {
    const f = fixture(options());
    const s = await f.open();
    s.send('USER alice', 'PASS secret');
    expect(await s.line()).toBe('+OK');
    if (allowed.userPass) {
      expect(await s.line()).toBe('+OK User successfully logged on.');
    } else {
      expect(await s.line()).toBe('-ERR Command is not valid in this state.');
      // Never checked: the same answer whether or not the mailbox exists.
      s.send('USER nobody', 'PASS secret');
      expect(await s.lines(2)).toEqual(['+OK', '-ERR Command is not valid in this state.']);
      expect(f.passwords.calls).toEqual([]);
    }
  });

  it.each([
    ['NTLM', 'ntlm'],
    ['PLAIN', 'plain'],
  ] as const)(`handles AUTH %s before TLS as LoginType says`, async (name, key) => {
    const s = await fixture(options()).open();
    s.send(`AUTH ${name} YWxpY2U=`);
    expect(await s.line()).toBe(
      allowed[key] ? '+OK User successfully authenticated.' : '-ERR Command is not valid in this state.',
    );
  });

  it('allows every way of logging in over TLS', async () => {
    const f = fixture(options());
    const s = await f.open({ connection: { secure: true } });
    s.send('CAPA');
    expect(await s.multiline()).toEqual(['+OK', 'TOP', 'UIDL', 'SASL NTLM PLAIN', 'USER', 'PIPELINING']);
    s.send('AUTH PLAIN YWxpY2U=');
    expect(await s.line()).toBe('+OK User successfully authenticated.');
  });
});

describe('mechanism validation', () => {
  it('refuses names that are not upper-case SASL names, and duplicates', async () => {
    expect(() => fixture({ mechanisms: [createFakeMechanism({ name: 'plain' })] })).toThrow(TypeError);
    expect(() => fixture({ mechanisms: [createFakeMechanism(), createFakeMechanism()] })).toThrow(/Duplicate/);
  });
});
