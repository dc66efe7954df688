// Real POP3 clients (curl, mpop, fetchmail) log in with GSSAPI through a minimal POP3 peer using the mechanism.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGssapiMechanism, type GssapiFailure } from '../src/index.js';
import { describeWithKerberos, useKerberos } from './kerberos-fixture.js';
import { type Pop3Peer, startPop3Peer } from './sasl-pop3-peer.js';

function installed(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { env, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const alice = { kind: 'success', identity: { user: 'alice', mechanism: 'GSSAPI', principal: 'alice@EXAMPLE.TEST' } };

describeWithKerberos('POP3 clients logging in with GSSAPI', () => {
  const fixture = useKerberos();
  const failures: GssapiFailure[] = [];
  let peer: Pop3Peer;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const mechanism = createGssapiMechanism({
      keytab: fixture.kdc.keytab,
      onFailure: (failure) => failures.push(failure),
    });
    peer = await startPop3Peer(mechanism);
    home = mkdtempSync(join(tmpdir(), 'poplar-clients-'));
    // The clients read their Kerberos settings and alice's tickets from the test KDC's environment.
    env = { ...process.env, ...fixture.kdc.env, HOME: home };
  });

  afterAll(async () => {
    await peer?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('curl (no mutual authentication, empty authzid)', async () => {
    const url = `pop3://localhost:${peer.port}/`;
    const result = await run(
      'curl',
      ['-sS', '--max-time', '10', '--login-options', 'AUTH=GSSAPI', '-u', 'alice@EXAMPLE.TEST:', url],
      env,
    );
    // The maildrop is empty: curl's LIST prints an empty listing.
    expect(result).toEqual({ code: 0, output: '\r\n' });
    expect(peer.outcomes.at(-1)).toEqual(alice);
  });

  it.skipIf(!installed('mpop'))(
    `mpop (mutual authentication, empty line after the AP-REP)${installed('mpop') ? '' : ' (skipped: mpop is not installed)'}`,
    async () => {
      const args = [
        `--host=localhost`,
        `--port=${peer.port}`,
        '--tls=off',
        '--auth=gssapi',
        '--user=alice',
        '--keep=on',
        `--delivery=mbox,${join(home, 'mbox')}`,
      ];
      const result = await run('mpop', args, env);
      expect(result.output).toContain('no messages');
      expect(result.code).toBe(0);
      expect(peer.outcomes.at(-1)).toEqual(alice);
    },
  );

  it.skipIf(!installed('fetchmail'))(
    `fetchmail (mutual authentication, authzid alice)${installed('fetchmail') ? '' : ' (skipped: fetchmail is not installed)'}`,
    async () => {
      writeFileSync(join(home, '.fetchmailrc'), '', { mode: 0o600 });
      const args = [
        '--nosyslog',
        '--sslproto',
        '',
        '-p',
        'POP3',
        '-P',
        String(peer.port),
        '--auth',
        'gssapi',
        '-u',
        'alice',
        '--check',
        'localhost',
      ];
      const result = await run('fetchmail', args, env);
      // Exit status 1 is fetchmail's "no mail".
      expect(result.code).toBe(1);
      expect(peer.outcomes.at(-1)).toEqual(alice);
    },
  );

  it('leaves no failure behind', () => {
    expect(failures).toEqual([]);
  });
});
