import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestKdc, TEST_PASSWORD, TEST_USER, type TestKdc } from '@poplar/test-kdc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFetchmail } from './helpers/fetchmail.js';
import { crlfMessage } from './helpers/messages.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'sasl pw 1';
const MESSAGE = crlfMessage('sasl');

let fixture: Fixture;

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.addUser('alice', PASSWORD, { ntlm: true });
  await fixture.addUser('plainonly', PASSWORD);
  for (const user of ['alice', 'plainonly']) expect((await fixture.deliver(user, MESSAGE)).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const curl = (args: string[], env?: NodeJS.ProcessEnv) =>
  runTool('curl', ['-sS', '--max-time', '15', ...args], env === undefined ? {} : { env: { ...process.env, ...env } });

describe('AUTH PLAIN', () => {
  let daemon: DaemonProcess;
  beforeAll(async () => {
    daemon = await DaemonProcess.start(
      await fixture.writeConfig({ LoginType: 'SecureLogin', Mechanisms: ['PLAIN'] }, 'plain.toml'),
    );
  });
  afterAll(() => daemon.stop());

  for (const sasl of [[], ['--sasl-ir']]) {
    for (const transport of ['stls', 'pop3s'] as const) {
      it(`logs in over ${transport} ${sasl.length > 0 ? 'with' : 'without'} an initial response`, async () => {
        const url =
          transport === 'stls'
            ? `pop3://127.0.0.1:${daemon.port('plain')}/1`
            : `pop3s://127.0.0.1:${daemon.port('tls')}/1`;
        const result = await curl([
          ...sasl,
          '--ssl-reqd',
          '-k',
          '--login-options',
          'AUTH=PLAIN',
          '-u',
          `alice:${PASSWORD}`,
          url,
        ]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout.toString('latin1')).toBe(MESSAGE);
      });
    }
  }

  it('refuses a wrong password', async () => {
    const url = `pop3s://127.0.0.1:${daemon.port('tls')}/1`;
    const result = await curl(['-k', '--login-options', 'AUTH=PLAIN', '-u', 'alice:wrong', url]);
    expect(result.code).toBe(67);
  });
});

describe('AUTH NTLM', () => {
  let daemon: DaemonProcess;
  beforeAll(async () => {
    daemon = await DaemonProcess.start(
      await fixture.writeConfig(
        { LoginType: 'PlainTextAuthentication', Mechanisms: ['NTLM', 'PLAIN'], NTLM: { Domain: 'POPLAR' } },
        'ntlm.toml',
      ),
    );
  });
  afterAll(() => daemon.stop());

  const cases = [
    { user: 'alice', sasl: [] },
    { user: 'alice', sasl: ['--sasl-ir'] },
    { user: 'POPLAR\\alice', sasl: [] },
    { user: 'POPLAR\\alice', sasl: ['--sasl-ir'] },
  ];
  for (const { user, sasl } of cases) {
    it(`logs in as ${user} ${sasl.length > 0 ? 'with' : 'without'} an initial response, without TLS`, async () => {
      const result = await curl([
        ...sasl,
        '--login-options',
        'AUTH=NTLM',
        '-u',
        `${user}:${PASSWORD}`,
        `pop3://127.0.0.1:${daemon.port('plain')}/1`,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString('latin1')).toBe(MESSAGE);
    });
  }

  it('refuses a wrong password and a user without a stored NT hash', async () => {
    const url = `pop3://127.0.0.1:${daemon.port('plain')}/1`;
    expect((await curl(['--login-options', 'AUTH=NTLM', '-u', 'alice:wrong', url])).code).toBe(67);
    expect((await curl(['--login-options', 'AUTH=NTLM', '-u', `plainonly:${PASSWORD}`, url])).code).toBe(67);
    const line = await daemon.waitFor(
      (entry) => entry.event === 'session' && entry.failedLogins === 1 && entry.user === undefined,
    );
    expect(line.end).not.toBe('quit');
  });
  // mpop (libntlm) and fetchmail only speak NTLMv1, which Poplar refuses by default: the answer is the normal
  // authentication failure and no session gets in.
  it('refuses NTLMv1 from mpop', async () => {
    const result = await runTool(
      'mpop',
      [
        '-C',
        '/dev/null',
        '--host=127.0.0.1',
        `--port=${daemon.port('plain')}`,
        '--auth=ntlm',
        '--user=alice',
        `--passwordeval=echo '${PASSWORD}'`,
        '--tls=off',
        `--delivery=mbox,${join(fixture.dir, 'ntlm.mpop.mbox')}`,
        '--keep=on',
        `--uidls-file=${join(fixture.dir, 'ntlm.uidls')}`,
      ],
      { env: { ...process.env, HOME: fixture.dir }, timeoutMs: 30_000 },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('authentication failed (method NTLM)');
    const line = await daemon.waitFor(
      (entry) => entry.event === 'session' && entry.mechanism === undefined && entry.failedLogins === 1,
    );
    expect(line.user).toBeUndefined();
  });

  it('refuses NTLMv1 from fetchmail', async () => {
    const { result } = await runFetchmail({
      dir: fixture.dir,
      name: 'ntlm',
      host: '127.0.0.1',
      port: daemon.port('plain'),
      poll: 'auth ntlm',
      user: 'alice',
      password: PASSWORD,
      options: "keep fetchall no sslcertck sslproto ''",
    });
    // fetchmail exits 3 for an authentication failure.
    expect(result.code, result.stderr + result.stdout.toString()).toBe(3);
  });
});

describe('AUTH GSSAPI', () => {
  let kdc: TestKdc;
  let daemon: DaemonProcess;
  let port: number;

  beforeAll(async () => {
    kdc = await startTestKdc({ dir: join(fixture.dir, 'kdc') });
    const configFile = await fixture.writeConfig(
      {
        // GSSAPI carries no password, so this LoginType allows it before TLS.
        LoginType: 'PlainTextAuthentication',
        Mechanisms: ['GSSAPI', 'PLAIN'],
        GSSAPI: { Keytab: kdc.keytab, Realm: kdc.realm },
      },
      'gssapi.toml',
    );
    daemon = await DaemonProcess.start(configFile, kdc.env);
    port = daemon.port('plain');
  });

  afterAll(async () => {
    await daemon?.stop();
    await kdc?.stop();
  });

  it('advertises GSSAPI and logs alice in with curl, without TLS', async () => {
    const result = await curl(
      ['--login-options', 'AUTH=GSSAPI', '-u', `${TEST_USER}@${kdc.realm}:`, `pop3://localhost:${port}/1`],
      kdc.env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString('latin1')).toBe(MESSAGE);
    const line = await daemon.waitFor((entry) => entry.event === 'session' && entry.mechanism === 'GSSAPI');
    expect(line.user).toBe(TEST_USER);
  });

  it('logs in with fetchmail --auth gssapi', async () => {
    const { result, mail } = await runFetchmail({
      dir: fixture.dir,
      name: 'gssapi',
      host: 'localhost',
      port,
      poll: 'auth gssapi',
      user: TEST_USER,
      options: "keep fetchall no sslcertck sslproto ''",
      env: kdc.env,
    });
    expect(result.code, result.stderr + result.stdout.toString()).toBe(0);
    expect(mail).toContain('Subject: sasl');
  });

  it('logs in with mpop --auth=gssapi', async () => {
    const mbox = join(fixture.dir, 'gssapi.mpop.mbox');
    const result = await runTool(
      'mpop',
      [
        '-C',
        '/dev/null',
        '--host=localhost',
        `--port=${port}`,
        '--auth=gssapi',
        `--user=${TEST_USER}`,
        '--tls=off',
        `--delivery=mbox,${mbox}`,
        '--keep=on',
        `--uidls-file=${join(fixture.dir, 'gssapi.uidls')}`,
        '--only-new=off',
      ],
      { env: { ...process.env, ...kdc.env, HOME: fixture.dir }, timeoutMs: 30_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(mbox, 'utf8')).toContain('Subject: sasl');
  });

  it('refuses a principal whose user is not in the users file', async () => {
    await kdc.kadmin(`addprinc -pw ${TEST_PASSWORD} stranger`);
    const ccache = `FILE:${join(fixture.dir, 'kdc', 'stranger.ccache')}`;
    await kdc.kinit({ principal: `stranger@${kdc.realm}`, password: TEST_PASSWORD, ccache });
    const result = await curl(
      ['--login-options', 'AUTH=GSSAPI', '-u', `stranger@${kdc.realm}:`, `pop3://localhost:${port}/1`],
      {
        ...kdc.env,
        KRB5CCNAME: ccache,
      },
    );
    expect(result.code).toBe(67);
  });
});
