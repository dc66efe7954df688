import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type RunningHaproxy, startHaproxy } from '@poplar/test-haproxy';
import { renderProxyHeader } from '@poplar/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, type LogLine } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'behind-the-proxy';
const MESSAGE = crlfMessage('through haproxy');
const GREETING = /^\+OK The Microsoft Exchange POP3 service is ready\.$/;
const REFUSED = '-ERR BYE Connection refused';

let fixture: Fixture;
let daemon: DaemonProcess;
/** Listeners: a plain one without PROXY, and a plain and an implicit-TLS one that expect the header. */
let direct: number;
let proxiedPlain: number;
let proxiedTls: number;
const haproxy = {} as Record<'v1' | 'v2' | 'tls', RunningHaproxy>;

function listenerPort(kind: 'plain' | 'tls', proxyProtocol: boolean): number {
  const line = daemon.logs.find(
    (entry) => entry.event === 'listening' && entry.kind === kind && entry.proxyProtocol === proxyProtocol,
  );
  if (!line) throw new Error(`no ${kind} listener with proxyProtocol ${proxyProtocol}`);
  return line.port as number;
}

beforeAll(async () => {
  fixture = await createFixture();
  const configFile = await fixture.writeConfig(
    {
      UnencryptedOrTLSBindings: ['127.0.0.1:0', { Address: '127.0.0.1:0', ProxyProtocol: true }],
      SSLBindings: [{ Address: '127.0.0.1:0', ProxyProtocol: true }],
      // HAProxy reaches the daemon from 127.0.0.1; the test's other loopback addresses are clients.
      TrustedProxies: ['127.0.0.1/32', '::1/128'],
      ProxyHeaderTimeout: 1,
      MaxConnectionFromSingleIP: 2,
    },
    'proxy.toml',
  );
  await fixture.addUser('alice', PASSWORD);
  expect((await fixture.deliver('alice', MESSAGE)).code).toBe(0);
  daemon = await DaemonProcess.start(configFile);
  direct = listenerPort('plain', false);
  proxiedPlain = listenerPort('plain', true);
  proxiedTls = listenerPort('tls', true);
  haproxy.v1 = await startHaproxy({ backendPort: proxiedPlain, sendProxy: 'v1' });
  haproxy.v2 = await startHaproxy({ backendPort: proxiedPlain, sendProxy: 'v2' });
  haproxy.tls = await startHaproxy({ backendPort: proxiedTls, sendProxy: 'v1' });
});

afterAll(async () => {
  for (const running of Object.values(haproxy)) await running.stop();
  await killAllDaemons();
  await fixture?.cleanup();
});

/** The session log line of the connection whose client port was `port` (a PROXY header carries it). */
const sessionLine = (port: number) => daemon.waitFor((entry) => entry.event === 'session' && entry.port === port);

/**
 * Sends `bytes` on a raw connection and gathers what comes back until the server closes it (or `waitMs` passes):
 * the text, whether it closed, how long that took, and the connection's own port.
 */
async function rawExchange(
  port: number,
  bytes: Buffer | string,
  waitMs = 5_000,
): Promise<{ received: string; closed: boolean; ms: number; localPort: number }> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const localPort = socket.localPort ?? 0;
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  let timer: NodeJS.Timeout | undefined;
  const closing = new Promise<boolean>((resolve) => {
    socket.once('close', () => resolve(true));
    timer = setTimeout(() => resolve(false), waitMs);
  });
  socket.write(bytes);
  const closed = await closing;
  clearTimeout(timer);
  const ms = Date.now() - started;
  socket.destroy();
  return { received, closed, ms, localPort };
}

/** The first flight of a TLS client, as it would follow a PROXY header in the same packet. */
async function clientHello(): Promise<Buffer> {
  const catcher = createServer();
  await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
  const hello = new Promise<Buffer>((resolve) =>
    catcher.once('connection', (socket) => socket.once('data', (chunk: Buffer) => resolve(chunk))),
  );
  const client = tlsConnect({ host: '127.0.0.1', port: (catcher.address() as { port: number }).port });
  client.on('error', () => {});
  const bytes = await hello;
  client.destroy();
  catcher.close();
  return bytes;
}

/** The daemon still serves: a login through HAProxy works. */
async function stillServes(): Promise<void> {
  const client = await PopClient.connect({ port: haproxy.v2.port, localAddress: '127.0.0.9' });
  expect(await client.readLine()).toMatch(GREETING);
  await client.login('alice', PASSWORD);
  expect(await client.command('QUIT')).toMatch(/^\+OK/);
  await client.waitClosed();
  expect(daemon.child.exitCode).toBeNull();
}

describe.each([
  ['send-proxy', 'v1'],
  ['send-proxy-v2', 'v2'],
] as const)('through HAProxy with %s', (_option, version) => {
  it('logs in, and the session and a failed login are logged with the client address, not the proxy', async () => {
    const client = await PopClient.connect({ port: haproxy[version].port, localAddress: '127.0.0.2' });
    const clientPort = client.socket.localPort!;
    expect(await client.readLine()).toMatch(GREETING);
    await client.command('USER alice');
    expect(await client.command('PASS wrong-password')).toMatch(/^-ERR/);
    await client.login('alice', PASSWORD);
    expect(await client.command('STAT')).toMatch(/^\+OK 1 \d+$/);
    const retr = await client.multiline('RETR 1');
    expect(`${retr.lines.join('\r\n')}\r\n`).toBe(MESSAGE);
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    await client.waitClosed();

    const session = await sessionLine(clientPort);
    expect(session).toMatchObject({ address: '127.0.0.2', proxy: '127.0.0.1', user: 'alice', end: 'quit' });
    expect(session.failedLogins).toBe(1);
    const failed = daemon.logs.find((entry) => entry.event === 'login-failed' && entry.id === session.id);
    expect(failed?.address).toBe('127.0.0.2');
  });
});

describe('limits behind a proxy', () => {
  it('counts MaxConnectionFromSingleIP per client, not per proxy', async () => {
    const clients: PopClient[] = [];
    try {
      for (const [address, via] of [
        ['127.0.0.5', haproxy.v1],
        ['127.0.0.5', haproxy.v2],
      ] as const) {
        const client = await PopClient.connect({ port: via.port, localAddress: address });
        expect(await client.readLine()).toMatch(GREETING);
        clients.push(client);
      }
      // The third connection from 127.0.0.5 is refused, whichever proxy it comes through...
      const refused = await PopClient.connect({ port: haproxy.v2.port, localAddress: '127.0.0.5' });
      expect(await refused.readLine()).toBe(REFUSED);
      await refused.waitClosed();
      await daemon.waitFor(
        (entry) =>
          entry.event === 'connection-refused' &&
          entry.address === '127.0.0.5' &&
          entry.setting === 'MaxConnectionFromSingleIP',
      );
      // ...while other clients behind the same proxy, which all reach the daemon from 127.0.0.1, still get in.
      for (const address of ['127.0.0.6', '127.0.0.7']) {
        const other = await PopClient.connect({ port: haproxy.v1.port, localAddress: address });
        expect(await other.readLine()).toMatch(GREETING);
        clients.push(other);
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('who may send a header', () => {
  it('refuses a direct connection from an address outside TrustedProxies, on both PROXY listeners', async () => {
    const plain = await PopClient.connect({ port: proxiedPlain, localAddress: '127.0.0.3' });
    expect(await plain.readLine()).toBe(REFUSED);
    await plain.waitClosed();
    const secure = await PopClient.connect({ port: proxiedTls, localAddress: '127.0.0.3', tls: true });
    expect(await secure.readLine()).toBe(REFUSED);
    await secure.waitClosed();
    // A worker's log line travels through the primary: it may arrive after the client saw the close.
    const refusals = () =>
      daemon.logs.filter((entry) => entry.event === 'connection-refused' && entry.setting === 'TrustedProxies');
    await daemon.waitFor(() => refusals().length >= 2);
    expect(refusals().map((entry) => entry.address)).toEqual(['127.0.0.3', '127.0.0.3']);
    // A header it sends does not help: it is not even read.
    const spoofed = renderProxyHeader({
      version: 1,
      source: { address: '192.0.2.44', port: 1234 },
      destination: { address: '127.0.0.1', port: proxiedPlain },
    });
    const socket = connect({ host: '127.0.0.1', port: proxiedPlain, localAddress: '127.0.0.3' });
    socket.on('error', () => {});
    socket.write(spoofed);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(Buffer.concat(received).toString()).toBe(`${REFUSED}\r\n`);
    expect(daemon.logs.some((entry) => entry.address === '192.0.2.44')).toBe(false);
  });

  it('serves a trusted proxy that sends the header and the first command in one packet', async () => {
    const header = renderProxyHeader({
      version: 2,
      source: { address: '2001:db8::7', port: 40_007 },
      destination: { address: '2001:db8::1', port: 110 },
    });
    const { received } = await rawExchange(proxiedPlain, Buffer.concat([header, Buffer.from('CAPA\r\nQUIT\r\n')]));
    expect(received).toMatch(/^\+OK The Microsoft Exchange POP3 service is ready\.\r\n\+OK\r\n[\s\S]*\r\n\.\r\n\+OK/);
    expect(await sessionLine(40_007)).toMatchObject({ address: '2001:db8::7', proxy: '127.0.0.1', end: 'quit' });
  });

  it("keeps the proxy's own address for a LOCAL header (a health check)", async () => {
    const local = renderProxyHeader({ version: 2, command: 'LOCAL' });
    const { received, localPort } = await rawExchange(proxiedPlain, Buffer.concat([local, Buffer.from('QUIT\r\n')]));
    expect(received).toMatch(/^\+OK [^\r]*\r\n\+OK/);
    const session = await sessionLine(localPort);
    expect(session.address).toBe('127.0.0.1');
    expect(session).not.toHaveProperty('proxy');
  });
});

describe('bad headers from a trusted peer', () => {
  const failures = () => daemon.logs.filter((entry: LogLine) => entry.event === 'proxy-header-failed');

  it.each([
    ['a malformed v1 header', 'PROXY TCP4 10.0.0.1 10.0.0.2 80\r\nCAPA\r\n', /two addresses and two ports/],
    ['a POP3 command instead of a header', 'CAPA\r\n', /not a PROXY protocol header/],
    ['an oversized v1 header', `PROXY TCP4 ${'9'.repeat(4_000)}\r\n`, /no CRLF within 107 octets/],
    [
      'an oversized v2 header',
      (() => {
        const header = renderProxyHeader({ version: 2 });
        header.writeUInt16BE(60_000, 14);
        return Buffer.concat([header, Buffer.alloc(2_000)]);
      })(),
      /longer than 536 octets/,
    ],
  ])('closes on %s without a word, and goes on serving', async (_name, bytes, reason) => {
    const before = failures().length;
    const { received, closed } = await rawExchange(proxiedPlain, bytes);
    expect(received).toBe('');
    expect(closed).toBe(true);
    await daemon.waitFor(() => failures().length > before);
    expect(failures().at(-1)).toMatchObject({ address: '127.0.0.1', reason: expect.stringMatching(reason) });
    await stillServes();
  });

  it('closes a connection whose header does not complete within ProxyHeaderTimeout', async () => {
    const { received, closed, ms } = await rawExchange(proxiedPlain, 'PROXY TCP4 10.0.0.1 ');
    expect(received).toBe('');
    expect(closed).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(4_000);
    await daemon.waitFor(
      (entry) => entry.event === 'proxy-header-failed' && entry.reason === 'no complete PROXY header within 1 s',
    );
    // The implicit-TLS PROXY listener waits for the header before any handshake, and gives up the same way.
    const silent = await rawExchange(proxiedTls, '');
    expect(silent).toMatchObject({ received: '', closed: true });
    await stillServes();
  });
});

describe('implicit TLS behind HAProxy send-proxy', () => {
  it('reads the header before the handshake: curl fetches over pop3s and the client address is logged', async () => {
    const result = await runTool('curl', [
      '-sS',
      '-k',
      '--max-time',
      '15',
      '--interface',
      '127.0.0.2',
      '-u',
      `alice:${PASSWORD}`,
      `pop3s://127.0.0.1:${haproxy.tls.port}/1`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString('latin1')).toBe(MESSAGE);
    const session = await daemon.waitFor(
      (entry) => entry.event === 'session' && entry.listener === 'tls' && entry.user === 'alice',
    );
    expect(session).toMatchObject({ address: '127.0.0.2', proxy: '127.0.0.1', tls: true });
  });

  it('answers a ClientHello that came in the same packet as the header', async () => {
    const source = { address: '198.51.100.23', port: 40_023 };
    const header = renderProxyHeader({ version: 2, source, destination: { address: '198.51.100.1', port: 995 } });
    const socket = connect({ host: '127.0.0.1', port: proxiedTls });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(Buffer.concat([header, await clientHello()]));
    const [answer] = (await once(socket, 'data')) as [Buffer];
    // A TLS handshake record (ServerHello): the hello was not lost behind the header.
    expect([answer[0], answer[1]]).toEqual([0x16, 0x03]);
    socket.destroy();
    const failed = await daemon.waitFor((entry) => entry.event === 'tls-failed' && entry.address === source.address);
    expect(failed.error).toMatch(/closed during the TLS handshake/);
  });

  it('runs STLS after a header on the plain PROXY listener (curl --ssl-reqd through send-proxy-v2)', async () => {
    const result = await runTool('curl', [
      '-sS',
      '-k',
      '--ssl-reqd',
      '--max-time',
      '15',
      '--interface',
      '127.0.0.8',
      '-u',
      `alice:${PASSWORD}`,
      `pop3://127.0.0.1:${haproxy.v2.port}/1`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.toString('latin1')).toBe(MESSAGE);
    const session = await daemon.waitFor((entry) => entry.event === 'session' && entry.address === '127.0.0.8');
    expect(session).toMatchObject({ listener: 'plain', tls: true, user: 'alice' });
  });
});

describe('a header sent to a listener without ProxyProtocol', () => {
  it('gets -ERR for a v1 header, which is not honoured, and the session goes on', async () => {
    const { received, localPort } = await rawExchange(direct, 'PROXY TCP4 192.0.2.9 127.0.0.1 5000 110\r\nQUIT\r\n');
    expect(received).toMatch(/^\+OK [^\r]*\r\n-ERR [^\r]*\r\n\+OK[^\r]*\r\n$/);
    expect(await sessionLine(localPort)).toMatchObject({ address: '127.0.0.1', commands: 2, end: 'quit' });
    expect(daemon.logs.some((entry) => entry.address === '192.0.2.9')).toBe(false);
  });

  it('gets -ERR and a close for a v2 header', async () => {
    const header = renderProxyHeader({
      version: 2,
      source: { address: '192.0.2.10', port: 5000 },
      destination: { address: '127.0.0.1', port: 110 },
    });
    const { received, closed, localPort } = await rawExchange(direct, header);
    const [greeting, ...answers] = received.split('\r\n');
    expect(greeting).toMatch(GREETING);
    // Its signature reads as two empty lines and a NUL: protocol errors up to MaxProtocolErrors, then the close.
    expect(answers.filter((line) => line.startsWith('-ERR'))).toHaveLength(3);
    expect(answers.some((line) => line.startsWith('+OK'))).toBe(false);
    expect(closed).toBe(true);
    expect(await sessionLine(localPort)).toMatchObject({ address: '127.0.0.1', end: 'limit' });
    expect(daemon.logs.some((entry) => entry.address === '192.0.2.10')).toBe(false);
    await stillServes();
  });
});
