import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { scaled } from './helpers/long-mode.js';
import { openSession } from './helpers/pop-mailbox.js';
import { MemorySampler, treeMemory } from './helpers/process-tree.js';

const PASSWORD = 'slow reader pw';
const BIG = 32 * 1024 * 1024;
const SLOW_READERS = 50;
const HOLD_MS = scaled(5000, 60_000);
/**
 * Memory the daemon (all its processes) may grow by while the slow readers are held. Sessions that held their
 * message would need 50 x 32 MiB = 1.6 GiB; a streaming session holds a chunk being written and one read ahead
 * (256 KiB each) plus heap and allocator overhead: 3.5 to 5 MiB of RSS measured, whatever the message's size.
 * 400 MiB is 8 MiB a session: generous for streaming, a quarter of a message held in memory.
 */
const GROWTH_BOUND_MIB = 400;
/** A normal 32 MiB fetch takes about half a second here; slow readers must not hold it up beyond this. */
const FETCH_BOUND_MS = 5000;

let fixture: Fixture;
let daemon: DaemonProcess;
let port: number;

/** A 32 MiB message in CRLF form with dot lines, so the encoder has work to do on every chunk. */
function bigMessage(): Buffer {
  const line = `${'.'.repeat(1)}${'y'.repeat(76)}\r\n`;
  const head = 'From: big@example.test\r\nSubject: big\r\n\r\n';
  return Buffer.from(head + line.repeat(Math.ceil((BIG - head.length) / line.length)));
}

beforeAll(async () => {
  fixture = await createFixture();
  const configFile = await fixture.writeConfig({ MaxConnectionsPerUser: 200 }, 'slow.toml');
  await fixture.addUser('big', PASSWORD);
  expect((await fixture.deliver('big', bigMessage())).code).toBe(0);
  expect((await fixture.deliver('big', 'Subject: small\r\n\r\nsmall one\r\n')).code).toBe(0);
  daemon = await DaemonProcess.start(configFile);
  port = daemon.port('plain');
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

/** A raw connection that logs in, then sends commands and reads (or does not read) what comes back. */
class RawClient {
  readonly socket: Socket;
  received = 0;
  text = '';

  /**
   * `keep`: how much of what arrives is kept as text (the replies before a big message, or everything). Once
   * paused, the socket is read with read(n), a little at a time.
   */
  private constructor(socket: Socket, keep: number) {
    this.socket = socket;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.text.length < keep) this.text += chunk.toString('latin1');
    });
  }

  static async login(keep = 4096): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawClient(socket, keep);
    socket.write(`USER big\r\nPASS ${PASSWORD}\r\n`);
    await client.waitFor(/^(?:\+OK[^\r]*\r\n){3}/);
    return client;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.text)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(this.text.slice(0, 200))}`);
      await sleep(10);
    }
  }
}

/** A normal client's RETR of the big message, read as fast as it comes; returns the octets received. */
async function fetchWhole(): Promise<number> {
  const client = await RawClient.login();
  client.socket.write('RETR 1\r\n');
  let tail = '';
  await new Promise<void>((resolve, reject) => {
    client.socket.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('latin1')).slice(-5);
      if (tail === '\r\n.\r\n') resolve();
    });
    client.socket.once('close', () => reject(new Error('closed during RETR')));
  });
  client.socket.end('QUIT\r\n');
  return client.received;
}

/**
 * The status of each reply in a transcript of `commands` (after the greeting, USER and PASS), in order; a multi-line
 * answer is followed to its "." line. Extra lines after the last reply are reported as such.
 */
function statuses(transcript: string, commands: readonly string[]): string[] {
  const lines = transcript.split('\r\n').slice(3, -1);
  const out: string[] = [];
  let i = 0;
  for (const command of commands) {
    const status = lines[i++] ?? '(none)';
    out.push(status.slice(0, 3));
    if (status.startsWith('+OK') && /^(RETR|TOP)/.test(command)) while (i < lines.length && lines[i++] !== '.') {}
  }
  if (i < lines.length) out.push(`${lines.length - i} extra lines`);
  return out;
}

describe('clients that read slowly, vanish or pipeline', () => {
  it('memory stays bounded with 50 slow readers of a 32 MiB message, and a normal fetch is not held up', async () => {
    // A fetch alone, which also warms up the paths a session uses; then the baseline.
    const aloneStarted = Date.now();
    await fetchWhole();
    const aloneMs = Date.now() - aloneStarted;
    // The logins' scrypt work (16 MiB each) is done before the baseline: what is measured is what RETR holds.
    const readers: RawClient[] = [];
    readers.push(...(await Promise.all(Array.from({ length: SLOW_READERS }, () => RawClient.login()))));
    await sleep(500);
    const baseline = await treeMemory(daemon.child.pid!);
    const sampler = new MemorySampler(daemon.child.pid!, 50);
    for (const reader of readers) {
      reader.socket.write('RETR 1\r\n');
      reader.socket.pause();
    }
    // Half of them take 16 KiB every half second (32 KiB/s), so the daemon's timers see progress; the rest nothing.
    const trickle = setInterval(() => {
      for (const reader of readers.slice(0, SLOW_READERS / 2)) reader.socket.read(16 * 1024);
    }, 500);
    await sleep(HOLD_MS / 2);

    const fetchStarted = Date.now();
    const fetchedOctets = await fetchWhole();
    const fetchMs = Date.now() - fetchStarted;

    await sleep(HOLD_MS / 2);
    clearInterval(trickle);
    const peak = await sampler.stop();
    const trickled = readers.slice(0, SLOW_READERS / 2).reduce((sum, reader) => sum + reader.received, 0);
    expect(trickled).toBeGreaterThan(0);

    // They vanish mid-RETR: every session ends as "closed" and the daemon goes on.
    for (const reader of readers) reader.socket.destroy();
    await daemon.waitFor(
      () => daemon.logs.filter((line) => line.event === 'session' && line.end === 'closed').length >= SLOW_READERS,
      20_000,
    );
    const after = await openSession(port, 'big', PASSWORD);
    expect(await after.command('NOOP')).toMatch(/^\+OK/);
    after.close();

    expect(fetchedOctets).toBeGreaterThan(BIG);
    reportFigures('slow-readers', {
      slowReaders: SLOW_READERS,
      messageMiB: BIG / 1024 / 1024,
      holdMs: HOLD_MS,
      baselineRssMiB: Math.round(baseline),
      peakRssMiB: Math.round(peak),
      growthMiB: Math.round(peak - baseline),
      normalFetchMs: fetchMs,
      aloneFetchMs: aloneMs,
    });
    expect(fetchMs).toBeLessThan(FETCH_BOUND_MS);
    expect(peak - baseline).toBeLessThan(GROWTH_BOUND_MIB);
  });

  it('answers hundreds of pipelined commands in order, and bounds a pipeliner that never reads', async () => {
    const commands = Array.from(
      { length: 600 },
      (_, i) => ['NOOP', 'STAT', 'LIST 2', 'UIDL 2', 'RETR 2', 'TOP 2 0'][i % 6] as string,
    );
    const pipeliner = await RawClient.login(Number.POSITIVE_INFINITY);
    pipeliner.socket.write(`${commands.join('\r\n')}\r\nQUIT\r\n`);
    await new Promise((resolve) => pipeliner.socket.once('close', resolve));
    const sent = [...commands, 'QUIT'];
    expect(statuses(pipeliner.text, sent)).toEqual(sent.map(() => '+OK'));
    const before = await treeMemory(daemon.child.pid!);

    // A client that pipelines RETRs of the big message and reads nothing: only TCP's buffers fill up.
    const sampler = new MemorySampler(daemon.child.pid!, 50);
    const hog = await RawClient.login();
    hog.socket.pause();
    hog.socket.write('RETR 1\r\n'.repeat(300));
    await sleep(2000);
    const peak = await sampler.stop();
    hog.socket.destroy();
    expect(peak - before).toBeLessThan(64);
    reportFigures('pipelining', { commands: commands.length, hogRetrs: 300, growthMiB: Math.round(peak - before) });
  });
});
