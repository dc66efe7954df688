import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from '../helpers/messages.js';
import { PopClient } from '../helpers/pop-client.js';
import { CLI, createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { MemorySampler, treeMemory } from './helpers/process-tree.js';

const PASSWORD = 'hostile pw';
/** The line without an end: far more than any buffer the daemon may keep. */
const HUGE_MIB = 256;

let fixture: Fixture;
let configFile: string;
let daemon: DaemonProcess;
const figures = { probes: 0, closedByServer: 0, answeredErr: 0, hugeLineMiB: 0, hugeLineGrowthMiB: 0 };

beforeAll(async () => {
  fixture = await createFixture();
  configFile = await fixture.writeConfig({}, 'hostile.toml');
  await fixture.addUser('alice', PASSWORD);
  expect((await fixture.deliver('alice', crlfMessage('hostile'))).code).toBe(0);
  daemon = await DaemonProcess.start(configFile);
});

afterAll(async () => {
  await killAllDaemons();
  reportFigures('hostile-input', figures);
  await fixture?.cleanup();
});

/** What the server sent back to a probe, as lines, and whether it closed the connection. */
interface Transcript {
  readonly lines: string[];
  readonly closed: boolean;
}

/**
 * Connects (optionally logs in), sends `bytes`, and collects the answer for up to `waitMs` or until the server
 * closes. The greeting (and the login's answers) are not part of the transcript.
 */
async function probe(bytes: Buffer | string, options: { login?: boolean; waitMs?: number } = {}): Promise<Transcript> {
  const client = await PopClient.connect({ port: daemon.port('plain') });
  try {
    expect(await client.readLine()).toMatch(/^\+OK/);
    if (options.login) await client.login('alice', PASSWORD);
    client.write(bytes);
    // Until the server closes, or its answers have stopped coming for a moment.
    const deadline = Date.now() + (options.waitMs ?? 3000);
    let seen = '';
    let quietSince = Date.now();
    while (!client.closed && Date.now() < deadline) {
      await sleep(20);
      if (client.pending !== seen) {
        seen = client.pending;
        quietSince = Date.now();
      } else if (seen.includes('\r\n') && Date.now() - quietSince > 250) break;
    }
    const lines = client.pending.split('\r\n').filter((line) => line !== '');
    figures.probes++;
    if (client.closed) figures.closedByServer++;
    if (lines.some((line) => line.startsWith('-ERR'))) figures.answeredErr++;
    return { lines, closed: client.closed };
  } finally {
    client.close();
  }
}

/** Every answer is a status line (or Exchange's closing line), there is at least one -ERR or a close. */
function expectRefused(transcript: Transcript): void {
  for (const line of transcript.lines) expect(line).toMatch(/^(\+OK|-ERR|Connection is closed)/);
  expect(transcript.closed || transcript.lines.some((line) => line.startsWith('-ERR'))).toBe(true);
}

/** The daemon goes on: a normal client logs in and reads its message. */
async function expectServing(): Promise<void> {
  expect(daemon.child.exitCode).toBeNull();
  const client = await PopClient.connect({ port: daemon.port('plain') });
  expect(await client.readLine()).toMatch(/^\+OK/);
  await client.login('alice', PASSWORD);
  expect((await client.multiline('RETR 1')).lines).toContain('Subject: hostile');
  expect(await client.command('QUIT')).toMatch(/^\+OK/);
  client.close();
}

/** The bytes a TLS client sends first (its ClientHello), caught by a plain TCP server. */
async function clientHello(): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket: Socket) => socket.once('data', (data: Buffer) => resolve(data)));
  });
  const tls = tlsConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'x' });
  tls.on('error', () => {});
  const hello = await got;
  tls.destroy();
  server.close();
  return hello;
}

describe('hostile bytes on the plain port', () => {
  it(`over-long lines, before and after login, and a ${HUGE_MIB} MiB line without an end`, async () => {
    expectRefused(await probe(`NOOP ${'x'.repeat(100_000)}\r\n`));
    expectRefused(await probe(`NOOP ${'x'.repeat(600)}\r\n`, { login: true }));
    const before = await treeMemory(daemon.child.pid!);
    const sampler = new MemorySampler(daemon.child.pid!, 50);
    const client = await PopClient.connect({ port: daemon.port('plain'), timeoutMs: 30_000 });
    await client.readLine();
    const chunk = Buffer.alloc(1024 * 1024, 'A');
    for (let i = 0; i < HUGE_MIB && !client.closed; i++) {
      if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve));
    }
    client.write('\r\nUSER alice\r\n');
    // The whole line is refused once, then the next command is served.
    expect(await client.readLine()).toMatch(/^-ERR/);
    expect(await client.readLine()).toMatch(/^\+OK/);
    client.close();
    const growth = (await sampler.stop()) - before;
    figures.hugeLineMiB = HUGE_MIB;
    figures.hugeLineGrowthMiB = Math.round(growth);
    // The line reader drops what is over the limit: memory does not follow the line's length (what is seen is
    // read buffers waiting for the garbage collector).
    expect(growth).toBeLessThan(HUGE_MIB / 2);
    await expectServing();
  });

  it('NUL bytes and 8-bit garbage', async () => {
    expectRefused(await probe('USER al\0ice\r\n'));
    expectRefused(await probe('\0\0\0\0\r\n'));
    expectRefused(await probe('STAT\0\r\n', { login: true }));
    const garbage = Buffer.from(Array.from({ length: 300 }, (_, i) => 0x80 + ((i * 37) % 128)));
    expectRefused(await probe(Buffer.concat([garbage, Buffer.from('\r\n')])));
    expectRefused(await probe(Buffer.concat([Buffer.from('RETR '), garbage, Buffer.from('\r\n')]), { login: true }));
    await expectServing();
  });

  it('a TLS ClientHello on the plain port', async () => {
    expectRefused(await probe(await clientHello()));
    await expectServing();
  });

  it('an HTTP request', async () => {
    const transcript = await probe('GET / HTTP/1.1\r\nHost: mail.example.test\r\nUser-Agent: x\r\nAccept: */*\r\n\r\n');
    expectRefused(transcript);
    expect(transcript.lines.join('\n')).not.toMatch(/HTTP\//);
    await expectServing();
  });

  it('PROXY headers (v1 and v2) where none is expected', async () => {
    expectRefused(await probe('PROXY TCP4 203.0.113.7 192.0.2.1 51000 110\r\nUSER alice\r\n'));
    const v2 = Buffer.concat([
      Buffer.from('0d0a0d0a000d0a515549540a', 'hex'),
      Buffer.from([0x21, 0x11, 0x00, 0x0c, 203, 0, 113, 7, 192, 0, 2, 1, 0xc7, 0x38, 0x00, 0x6e]),
    ]);
    // The v2 signature holds "QUIT\n": the server may take it as QUIT and close, or refuse the rest.
    const transcript = await probe(Buffer.concat([v2, Buffer.from('USER alice\r\n')]));
    for (const line of transcript.lines) expect(line).toMatch(/^(\+OK|-ERR|Connection is closed)/);
    // Either way the client's claimed address is not taken: the session log shows the real one.
    await sleep(300);
    const sessions = daemon.logs.filter((line) => line.event === 'session');
    expect(sessions.some((line) => line.address === '203.0.113.7')).toBe(false);
    await expectServing();
  });

  it('logs that nobody reads any more: the daemon goes on when its stdout is closed', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (data: string) => {
        text += data;
      });
      const deadline = Date.now() + 15_000;
      while (!text.includes('"event":"started"') && Date.now() < deadline) await sleep(20);
      const listening = text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { event: string; kind?: string; port?: number })
        .find((line) => line.event === 'listening' && line.kind === 'plain');
      const port = listening?.port as number;
      // The log reader goes away (a log shipper crashed): the pipe's read end is closed.
      child.stdout.destroy();
      // More log lines than a pipe holds (64 KiB): one session line each, from every worker.
      for (let i = 0; i < 300; i++) {
        const quick = await PopClient.connect({ port });
        expect(await quick.readLine()).toMatch(/^\+OK/);
        expect(await quick.command('QUIT')).toMatch(/^\+OK/);
        quick.close();
      }
      for (let i = 0; i < 3; i++) {
        const client = await PopClient.connect({ port });
        expect(await client.readLine()).toMatch(/^\+OK/);
        await client.login('alice', PASSWORD);
        expect(await client.command('QUIT')).toMatch(/^\+OK/);
        client.close();
        await sleep(200);
      }
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });
});
