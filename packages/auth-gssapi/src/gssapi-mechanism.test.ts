import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GssError } from '@poplar/gssapi';
import { initiatorTokens, SaslGssapiClient } from '@poplar/test-kdc';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { authContext, describeWithKerberos, login, useKerberos } from '../test/kerberos-fixture.js';
import type { GssapiFailure } from './gssapi-exchange.js';
import { createGssapiMechanism, type GssapiMechanismOptions } from './gssapi-mechanism.js';

describeWithKerberos('GSSAPI mechanism with a test KDC', () => {
  // host/localhost shares the keytab (as in a machine keytab); imap/localhost has no key there.
  const fixture = useKerberos({
    services: ['pop/localhost', 'host/localhost'],
    authToLocal: ['RULE:[1:mail-$1@$0](mail-alice@EXAMPLE\\.TEST)s/@.*$//', 'DEFAULT'],
  });
  const failures: GssapiFailure[] = [];
  let adminEnv: Record<string, string>;

  beforeAll(async () => {
    const { kdc } = fixture;
    await kdc.kadmin('addprinc -randkey imap/localhost');
    await kdc.kadmin('addprinc -pw adminpw alice/admin');
    const ccache = `FILE:${join(kdc.dir, 'admin.ccache')}`;
    await kdc.kinit({ principal: 'alice/admin', password: 'adminpw', ccache });
    adminEnv = { ...kdc.env, KRB5CCNAME: ccache };
  });

  afterEach(() => {
    failures.length = 0;
    expect(fixture.binding.liveHandles()).toBe(0);
  });

  function mechanism(options: Partial<GssapiMechanismOptions> = {}) {
    return createGssapiMechanism({
      keytab: fixture.kdc.keytab,
      binding: fixture.binding,
      onFailure: (failure) => failures.push(failure),
      ...options,
    });
  }

  const alice = { user: 'alice', mechanism: 'GSSAPI', principal: 'alice@EXAMPLE.TEST' };

  it('describes itself as a client-first, non-plaintext mechanism', () => {
    const mech = mechanism();
    expect(mech).toMatchObject({
      name: 'GSSAPI',
      plaintext: false,
      clientFirst: true,
      available: true,
      unavailableReason: null,
    });
  });

  it('logs alice in without mutual authentication and with an empty authzid', async () => {
    expect(await login(mechanism(), { env: fixture.kdc.env })).toEqual({ kind: 'success', identity: alice });
  });

  it('logs alice in with mutual authentication (AP-REP, then a zero-length response)', async () => {
    const client = new SaslGssapiClient({ env: fixture.kdc.env, mutual: true });
    const exchange = mechanism().start(authContext());
    const apRep = await exchange.step(await client.initial());
    expect(apRep.kind).toBe('challenge');
    const empty = await client.respond((apRep as { data: Uint8Array }).data);
    expect(empty.length).toBe(0);
    const offer = await exchange.step(empty);
    expect(offer.kind).toBe('challenge');
    const done = await exchange.step(await client.respond((offer as { data: Uint8Array }).data));
    exchange.dispose();
    expect(done).toEqual({ kind: 'success', identity: alice });
    expect(client.offers).toEqual([{ layers: 1, maxbuf: 0 }]);
  });

  it('accepts an authzid equal to the user (any case) or to the principal', async () => {
    for (const authzid of ['alice', 'ALICE', 'alice@EXAMPLE.TEST']) {
      expect(await login(mechanism(), { env: fixture.kdc.env, mutual: true, authzid })).toEqual({
        kind: 'success',
        identity: alice,
      });
    }
  });

  it('refuses an authzid naming someone else', async () => {
    expect(await login(mechanism(), { env: fixture.kdc.env, authzid: 'bob' })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
    expect(failures[0]).toMatchObject({
      reason: 'credentials',
      principal: 'alice@EXAMPLE.TEST',
      connectionId: 'test-1',
    });
    expect(failures[0]?.message).toContain('may not act as bob');
  });

  it('lets allowAuthzid hand the session to another mailbox', async () => {
    const shared = mechanism({ allowAuthzid: (authzid, who) => authzid === 'helpdesk' && who.user === 'alice' });
    expect(await login(shared, { env: fixture.kdc.env, authzid: 'helpdesk' })).toEqual({
      kind: 'success',
      identity: { ...alice, user: 'helpdesk' },
    });
    expect(await login(shared, { env: fixture.kdc.env, authzid: 'bob' })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
  });

  it('refuses a security layer or a buffer size that was not offered', async () => {
    expect(await login(mechanism(), { env: fixture.kdc.env, layer: 2 })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
    expect(await login(mechanism(), { env: fixture.kdc.env, maxbuf: 65536 })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
    expect(failures.map((failure) => failure.message)).toEqual([
      'client chose security layer 0x2, only 0x01 (none) was offered',
      'client announced maximum size 65536 without a security layer',
    ]);
  });

  it('requires a zero-length response after the AP-REP', async () => {
    const client = new SaslGssapiClient({ env: fixture.kdc.env, mutual: true });
    const exchange = mechanism().start(authContext());
    expect((await exchange.step(await client.initial())).kind).toBe('challenge');
    expect(await exchange.step(Uint8Array.of(1))).toEqual({ kind: 'failure', reason: 'credentials' });
    expect(await exchange.step(new Uint8Array(0))).toEqual({ kind: 'failure', reason: 'credentials' });
    exchange.dispose();
    client.close();
  });

  it('refuses an empty or garbled first token and a garbled last message', async () => {
    for (const token of [new Uint8Array(0), Buffer.from('not kerberos')]) {
      const exchange = mechanism().start(authContext());
      expect(await exchange.step(token)).toEqual({ kind: 'failure', reason: 'credentials' });
      exchange.dispose();
    }
    const client = new SaslGssapiClient({ env: fixture.kdc.env });
    const exchange = mechanism().start(authContext());
    expect((await exchange.step(await client.initial())).kind).toBe('challenge');
    expect(await exchange.step(Buffer.from('BQQA/wAMAAAAAAAA', 'base64'))).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
    expect(failures.at(-1)?.error).toBeInstanceOf(GssError);
    exchange.dispose();
    client.close();
  });

  it('refuses a replayed AP-REQ', async () => {
    const [token] = (await initiatorTokens({ env: fixture.kdc.env, count: 1 })) as [Uint8Array];
    const mech = mechanism();
    const first = mech.start(authContext());
    expect((await first.step(token)).kind).toBe('challenge');
    first.dispose();
    const replay = mech.start(authContext());
    expect(await replay.step(token)).toEqual({ kind: 'failure', reason: 'credentials' });
    replay.dispose();
    expect((failures[0]?.error as GssError).minorName).toBe('KRB5KRB_AP_ERR_REPEAT');
  });

  it('refuses tickets for other services, even one whose key is in the keytab', async () => {
    expect(await login(mechanism(), { env: fixture.kdc.env, target: 'host@localhost' })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
    expect(failures[0]?.message).toBe('ticket is for host/localhost@EXAMPLE.TEST, not for service pop');
    const noKey = mechanism().start(authContext());
    const [token] = (await initiatorTokens({ env: fixture.kdc.env, count: 1, target: 'imap@localhost' })) as [
      Uint8Array,
    ];
    expect(await noKey.step(token)).toEqual({ kind: 'failure', reason: 'credentials' });
    noKey.dispose();
    // serviceName picks the service: the host ticket is fine for a mechanism configured for 'host'.
    expect(
      await login(mechanism({ serviceName: 'host' }), { env: fixture.kdc.env, target: 'host@localhost' }),
    ).toMatchObject({ kind: 'success' });
  });

  it('maps principals: table first, then the default realm; instances and other realms are refused', async () => {
    const mapped = mechanism({
      principalMap: { 'alice@EXAMPLE.TEST': 'alice.smith', 'alice/admin@EXAMPLE.TEST': 'postmaster' },
    });
    expect(await login(mapped, { env: fixture.kdc.env, authzid: 'alice.smith' })).toEqual({
      kind: 'success',
      identity: { ...alice, user: 'alice.smith' },
    });
    expect(await login(mapped, { env: adminEnv })).toEqual({
      kind: 'success',
      identity: { user: 'postmaster', mechanism: 'GSSAPI', principal: 'alice/admin@EXAMPLE.TEST' },
    });
    expect(await login(mechanism(), { env: adminEnv })).toEqual({ kind: 'failure', reason: 'credentials' });
    expect(failures.at(-1)?.message).toBe('no mailbox user for principal alice/admin@EXAMPLE.TEST');
    expect(await login(mechanism({ realm: 'OTHER.TEST' }), { env: fixture.kdc.env })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
  });

  it('maps with the krb5 auth_to_local rules when asked to', async () => {
    expect(await login(mechanism({ useAuthToLocal: true }), { env: fixture.kdc.env })).toEqual({
      kind: 'success',
      identity: { ...alice, user: 'mail-alice' },
    });
    // The DEFAULT rule maps only single-component principals of the default realm.
    expect(await login(mechanism({ useAuthToLocal: true }), { env: adminEnv })).toEqual({
      kind: 'failure',
      reason: 'credentials',
    });
  });

  it('answers "temporary" when the keytab or the replay cache fails on the server', async () => {
    const keytab = join(fixture.kdc.dir, 'vanishing.keytab');
    copyFileSync(fixture.kdc.keytab, keytab);
    const mech = mechanism({ keytab });
    rmSync(keytab);
    expect(await login(mech, { env: fixture.kdc.env })).toEqual({ kind: 'failure', reason: 'temporary' });
    expect((failures[0]?.error as GssError).operation).toBe('gss_acquire_cred_from');

    const rcacheDir = process.env.KRB5RCACHEDIR;
    process.env.KRB5RCACHEDIR = join(fixture.kdc.dir, 'no-such-dir');
    try {
      expect(await login(mechanism(), { env: fixture.kdc.env })).toEqual({ kind: 'failure', reason: 'temporary' });
    } finally {
      process.env.KRB5RCACHEDIR = rcacheDir;
    }
  });

  it('frees the context when the connection goes away mid-exchange', async () => {
    const abort = new AbortController();
    const [token] = (await initiatorTokens({ env: fixture.kdc.env, count: 1, mutual: true })) as [Uint8Array];
    const exchange = mechanism().start(authContext(abort.signal));
    expect((await exchange.step(token)).kind).toBe('challenge');
    expect(fixture.binding.liveHandles()).toBeGreaterThan(0);
    abort.abort();
    expect(fixture.binding.liveHandles()).toBe(0);
    expect(await exchange.step(new Uint8Array(0))).toEqual({ kind: 'failure', reason: 'credentials' });
    exchange.dispose();
  });

  it('keeps working while the KDC is down: the acceptor needs only its keytab', async () => {
    // A service ticket obtained earlier is in alice's ccache; the server never talks to the KDC.
    await login(mechanism(), { env: fixture.kdc.env });
    await fixture.kdc.stop();
    expect(await login(mechanism(), { env: fixture.kdc.env })).toEqual({ kind: 'success', identity: alice });
  });
});
