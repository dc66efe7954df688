import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initiatorTokens, krb5DevInstalled, SaslGssapiClient, startTestKdc, type TestKdc } from '@poplar/test-kdc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GssAcceptor } from './gss-acceptor.js';
import { GssError } from './gss-error.js';
import { GssFlags, KRB5_MECHANISM_OID } from './gss-flags.js';
import { type GssapiBinding, loadGssapi } from './load-gssapi.js';

const required = krb5DevInstalled();

describe.skipIf(!required)(
  `GssAcceptor with a test KDC${required ? '' : ' (skipped: libkrb5-dev is not installed)'}`,
  () => {
    let kdc: TestKdc;
    let binding: GssapiBinding;
    const acceptors: GssAcceptor[] = [];

    beforeAll(async () => {
      const loaded = loadGssapi();
      if (!loaded.ok) throw new Error(`the addon must build and load where libkrb5-dev is installed: ${loaded.reason}`);
      binding = loaded.binding;
      // host/localhost shares the keytab, as it would in a machine keytab; imap/localhost has no key there.
      kdc = await startTestKdc({
        dir: mkdtempSync(join(tmpdir(), 'poplar-gssapi-')),
        services: ['pop/localhost', 'host/localhost'],
      });
      await kdc.kadmin('addprinc -randkey imap/localhost');
      Object.assign(process.env, kdc.env);
    });

    afterAll(async () => {
      await kdc?.stop();
      if (kdc) rmSync(kdc.dir, { recursive: true, force: true });
    });

    afterEach(() => {
      for (const acceptor of acceptors.splice(0)) acceptor.dispose();
      expect(binding.liveHandles()).toBe(0);
    });

    function acceptor(options: { keytab?: string; principal?: string } = {}): GssAcceptor {
      const created = binding.createAcceptor({ keytab: kdc.keytab, ...options });
      acceptors.push(created);
      return created;
    }

    async function firstToken(target = 'pop@localhost'): Promise<Uint8Array> {
      const [token] = await initiatorTokens({ env: kdc.env, count: 1, target });
      return token as Uint8Array;
    }

    it('establishes a context from one AP-REQ and wraps and unwraps with the client', async () => {
      const client = new SaslGssapiClient({ env: kdc.env });
      const server = acceptor();
      const result = await server.step(await client.initial());
      expect(result).toEqual({ complete: true, token: Buffer.alloc(0) });
      expect(server.complete).toBe(true);
      expect(server.initiatorName()).toBe('alice@EXAMPLE.TEST');
      expect(server.targetName()).toBe('pop/localhost@EXAMPLE.TEST');
      expect(server.localName()).toBe('alice');
      expect(server.mechanism()).toBe(KRB5_MECHANISM_OID);
      expect(server.isKrb5()).toBe(true);
      expect(server.flags() & GssFlags.MUTUAL).toBe(0);
      expect(server.flags() & GssFlags.INTEG).toBe(GssFlags.INTEG);

      const offer = server.wrap(Uint8Array.of(1, 0, 0, 0));
      // RFC 4121 wrap token: TOK_ID 05 04, flags 0x01 (sent by acceptor), not sealed.
      expect([...offer.subarray(0, 4)]).toEqual([0x05, 0x04, 0x01, 0xff]);
      const answer = await client.respond(offer);
      expect(client.offers).toEqual([{ layers: 1, maxbuf: 0 }]);
      expect(server.unwrap(answer)).toEqual({ data: Buffer.from([1, 0, 0, 0]), conf: false });
    });

    it('sends an AP-REP when the client asks for mutual authentication', async () => {
      const client = new SaslGssapiClient({ env: kdc.env, mutual: true, authzid: 'alice' });
      const server = acceptor();
      const result = await server.step(await client.initial());
      expect(result.complete).toBe(true);
      expect(result.token[0]).toBe(0x60);
      expect(server.flags() & GssFlags.MUTUAL).toBe(GssFlags.MUTUAL);
      expect((await client.respond(result.token)).length).toBe(0);

      const offer = server.wrap(Uint8Array.of(1, 0, 0, 0));
      // Mutual authentication made an acceptor subkey: flags 0x05.
      expect(offer[2]).toBe(0x05);
      const answer = server.unwrap(await client.respond(offer));
      expect(Buffer.from(answer.data).toString('latin1')).toBe('\x01\0\0\0alice');
    });

    it('refuses a replayed AP-REQ', async () => {
      const token = await firstToken();
      await acceptor().step(token);
      const replay = await acceptor()
        .step(token)
        .catch((error: unknown) => error);
      expect(replay).toBeInstanceOf(GssError);
      expect((replay as GssError).minorName).toBe('KRB5KRB_AP_ERR_REPEAT');
      expect((replay as GssError).message).toMatch(/^gss_accept_sec_context: .*replay/);
    });

    it('reports which service a ticket was for, and refuses a ticket it has no key for', async () => {
      const server = acceptor();
      await server.step(await firstToken('host@localhost'));
      expect(server.targetName()).toBe('host/localhost@EXAMPLE.TEST');

      const error = await acceptor()
        .step(await firstToken('imap@localhost'))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GssError);
      expect((error as GssError).minorName).toBe('KRB5KRB_AP_ERR_NOT_US');
    });

    it('accepts only the named principal when one is given', async () => {
      const server = acceptor({ principal: 'pop/localhost@EXAMPLE.TEST' });
      const error = await server.step(await firstToken('host@localhost')).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GssError);
      const pop = acceptor({ principal: 'pop/localhost@EXAMPLE.TEST' });
      expect((await pop.step(await firstToken())).complete).toBe(true);
    });

    it('turns malformed tokens into GssError', async () => {
      const token = await firstToken();
      for (const bad of [Buffer.from('hello'), token.subarray(0, 60), Buffer.alloc(4096, 0x60)]) {
        const error = await acceptor()
          .step(bad)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(GssError);
        expect((error as GssError).operation).toBe('gss_accept_sec_context');
      }
    });

    it('reports an unusable keytab from gss_acquire_cred_from', async () => {
      const error = await acceptor({ keytab: join(kdc.dir, 'missing.keytab') })
        .step(await firstToken())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GssError);
      expect((error as GssError).operation).toBe('gss_acquire_cred_from');
      expect((error as GssError).routineError).toBe('GSS_S_NO_CRED');
    });

    it('refuses calls out of order, with clear errors', async () => {
      const server = acceptor();
      expect(() => server.wrap(Uint8Array.of(1))).toThrow('the security context is not established yet');
      expect(() => server.initiatorName()).toThrow('not established');
      await expect(server.step('AP-REQ' as unknown as Uint8Array)).rejects.toThrow(TypeError);
      const token = await firstToken();
      const pending = server.step(token);
      await expect(server.step(token)).rejects.toThrow('a step is still running on this acceptor');
      await pending;
      await expect(server.step(token)).rejects.toThrow('already established');
      server.dispose();
      server.dispose();
      expect(server.complete).toBe(false);
      expect(() => server.wrap(Uint8Array.of(1))).toThrow('the acceptor has been disposed');
      await expect(server.step(token)).rejects.toThrow('disposed');
    });

    it('releases everything when disposed while a step runs', async () => {
      const server = acceptor();
      const pending = server.step(await firstToken());
      server.dispose();
      await expect(pending).rejects.toThrow('the acceptor was disposed during the step');
      expect(binding.liveHandles()).toBe(0);
    });

    it('reads the default realm from KRB5_CONFIG', () => {
      expect(binding.defaultRealm()).toBe('EXAMPLE.TEST');
    });
  },
);
