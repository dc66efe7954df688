import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFetchmail } from './helpers/fetchmail.js';
import { crlfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, makeCertificate } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'tls-test-pw';
const MESSAGE = crlfMessage('over tls');

let fixture: Fixture;
let daemon: DaemonProcess;
let plain: number;
let secure: number;

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.writeConfig({ LoginType: 'SecureLogin' });
  await fixture.addUser('alice', PASSWORD);
  expect((await fixture.deliver('alice', MESSAGE)).code).toBe(0);
  daemon = await DaemonProcess.start(join(fixture.dir, 'poplar.toml'));
  plain = daemon.port('plain');
  secure = daemon.port('tls');
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const curl = (...args: string[]) => runTool('curl', ['-sS', '--max-time', '15', '-u', `alice:${PASSWORD}`, ...args]);

describe('curl', () => {
  it('fetches over STLS with --ssl-reqd', async () => {
    const result = await curl('--ssl-reqd', '-k', `pop3://127.0.0.1:${plain}/1`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString('latin1')).toBe(MESSAGE);
  });

  it('fetches over implicit TLS (pop3s)', async () => {
    const result = await curl('-k', `pop3s://127.0.0.1:${secure}/1`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString('latin1')).toBe(MESSAGE);
  });

  it('is refused a plaintext login under SecureLogin', async () => {
    const result = await curl(`pop3://127.0.0.1:${plain}/1`);
    expect(result.code).not.toBe(0);
  });
});

describe('Python poplib', () => {
  it('logs in after stls() and over POP3_SSL', async () => {
    const script = join(fixture.dir, 'poplib-tls.py');
    await writeFile(
      script,
      [
        'import poplib, ssl',
        'ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE',
        `p = poplib.POP3("127.0.0.1", ${plain}, timeout=10)`,
        'p.stls(ctx)',
        `p.user("alice"); p.pass_(${JSON.stringify(PASSWORD)})`,
        'print(p.stat()[0]); p.quit()',
        `s = poplib.POP3_SSL("127.0.0.1", ${secure}, context=ctx, timeout=10)`,
        `s.user("alice"); s.pass_(${JSON.stringify(PASSWORD)})`,
        'print(len(s.retr(1)[1])); s.quit()',
      ].join('\n'),
    );
    const result = await runTool('python3', [script]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString().trim().split('\n')).toEqual(['1', String(MESSAGE.split('\r\n').length - 1)]);
  });
});

describe('fetchmail and mpop', () => {
  it('mpop fetches over STLS and over implicit TLS', async () => {
    for (const [name, port, tls] of [
      ['stls', plain, ['--tls=on', '--tls-starttls=on']],
      ['pop3s', secure, ['--tls=on', '--tls-starttls=off']],
    ] as const) {
      const mbox = join(fixture.dir, `${name}.mpop.mbox`);
      const result = await runTool(
        'mpop',
        [
          '-C',
          '/dev/null',
          '--host=127.0.0.1',
          `--port=${port}`,
          '--auth=user',
          '--user=alice',
          `--passwordeval=echo '${PASSWORD}'`,
          ...tls,
          '--tls-certcheck=off',
          `--delivery=mbox,${mbox}`,
          '--keep=on',
          '--only-new=off',
          `--uidls-file=${join(fixture.dir, `${name}.uidls`)}`,
        ],
        { env: { ...process.env, HOME: fixture.dir }, timeoutMs: 30_000 },
      );
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      expect(await readFile(mbox, 'utf8')).toContain('Subject: over tls');
    }
  });

  it('fetchmail fetches over STLS and over implicit TLS', async () => {
    for (const [name, port, option] of [
      ['stls', plain, 'sslproto tls1.2+'],
      ['pop3s', secure, 'ssl'],
    ] as const) {
      const { result, mail } = await runFetchmail({
        dir: fixture.dir,
        name,
        host: '127.0.0.1',
        port,
        user: 'alice',
        password: PASSWORD,
        options: `keep fetchall ${option} no sslcertck`,
      });
      expect(result.code, `${name}: ${result.stderr}${result.stdout.toString()}`).toBe(0);
      expect(mail).toContain('Subject: over tls');
    }
  });
});

describe('openssl s_client', () => {
  it('negotiates TLS 1.2 or later with -starttls pop3 and runs a session', async () => {
    const result = await runTool(
      'openssl',
      ['s_client', '-starttls', 'pop3', '-connect', `127.0.0.1:${plain}`, '-crlf', '-quiet', '-ign_eof'],
      { input: `USER alice\nPASS ${PASSWORD}\nSTAT\nQUIT\n`, timeoutMs: 15_000 },
    );
    const out = result.stdout.toString();
    expect(out).toMatch(/^\+OK 1 \d+\r?$/m);
    expect(out).toMatch(/signing off|^\+OK/m);
    // SECLEVEL=0 lets the client offer TLS 1.1, so the refusal seen is the server's.
    const old = await runTool(
      'openssl',
      ['s_client', '-starttls', 'pop3', '-connect', `127.0.0.1:${plain}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'],
      { input: '', timeoutMs: 15_000 },
    );
    expect(old.code).not.toBe(0);
    expect(old.stderr + old.stdout.toString()).toMatch(/alert protocol version/);
  });
});

describe('STLS injection', () => {
  it('never answers a command pipelined behind STLS, in plaintext or after the handshake', async () => {
    const client = await PopClient.connect({ port: plain });
    await client.readLine();
    client.write('STLS\r\nCAPA\r\n');
    expect(await client.readLine()).toMatch(/^\+OK/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.pending).toBe('');
    await client.startTls();
    // Before login STAT is refused: had CAPA been kept and run, its +OK would come first.
    expect(await client.command('STAT')).toMatch(/^-ERR/);
    client.close();
  });
});

describe('LoginType', () => {
  const cases = [
    { loginType: 'PlainTextLogin', plaintext: true },
    { loginType: 'PlainTextAuthentication', plaintext: false },
    { loginType: 'SecureLogin', plaintext: false },
  ] as const;

  async function tryLogin(port: number, tls: boolean): Promise<string> {
    const client = await PopClient.connect({ port, tls });
    await client.readLine();
    await client.command('USER alice');
    const reply = await client.command(`PASS ${PASSWORD}`);
    client.close();
    return reply;
  }

  async function tryPlain(port: number, tls: boolean): Promise<string> {
    const client = await PopClient.connect({ port, tls });
    await client.readLine();
    const reply = await client.command(`AUTH PLAIN ${Buffer.from(`\0alice\0${PASSWORD}`).toString('base64')}`);
    client.close();
    return reply;
  }

  for (const { loginType, plaintext } of cases) {
    it(`${loginType}: USER/PASS and AUTH PLAIN ${plaintext ? 'work' : 'are refused'} in plaintext, work over TLS`, async () => {
      const configFile = await fixture.writeConfig(
        { LoginType: loginType, Mechanisms: ['PLAIN'] },
        `${loginType}.toml`,
      );
      const server = await DaemonProcess.start(configFile);
      try {
        const expected = plaintext ? /^\+OK/ : /^-ERR/;
        expect(await tryLogin(server.port('plain'), false)).toMatch(expected);
        expect(await tryPlain(server.port('plain'), false)).toMatch(expected);
        expect(await tryLogin(server.port('tls'), true)).toMatch(/^\+OK/);
        expect(await tryPlain(server.port('tls'), true)).toMatch(/^\+OK/);
        const stls = await PopClient.connect({ port: server.port('plain') });
        await stls.readLine();
        expect(await stls.command('STLS')).toMatch(/^\+OK/);
        await stls.startTls();
        await stls.login('alice', PASSWORD);
        stls.close();
      } finally {
        await server.stop();
      }
    });
  }
});

describe('SIGHUP', () => {
  function peerSubject(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        const subject = socket.getPeerCertificate().subject?.CN;
        socket.destroy();
        resolve(String(subject));
      });
      socket.once('error', reject);
    });
  }

  it('reloads the certificate for new connections while a live session goes on', async () => {
    const live = await PopClient.connect({ port: secure, tls: true });
    await live.readLine();
    await live.login('alice', PASSWORD);
    expect(await peerSubject(secure)).toBe('localhost');

    const cert = join(fixture.dir, 'new-cert.pem');
    const key = join(fixture.dir, 'new-key.pem');
    await makeCertificate(cert, key, '/CN=reloaded.example');
    await rename(cert, fixture.certFile);
    await rename(key, fixture.keyFile);
    await daemon.reload();

    expect(await peerSubject(secure)).toBe('reloaded.example');
    expect(await live.command('STAT')).toMatch(/^\+OK 1 /);
    expect(await live.command('QUIT')).toMatch(/^\+OK/);
    live.close();

    const stls = await PopClient.connect({ port: plain });
    await stls.readLine();
    await stls.command('STLS');
    await stls.startTls();
    const tlsSocket = stls.socket as import('node:tls').TLSSocket;
    expect(tlsSocket.getPeerCertificate().subject?.CN).toBe('reloaded.example');
    stls.close();
  });
});
