import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { benchOptions } from '../../test/bench-options.js';
import { writeCorpus } from '../corpus/corpus-writer.js';
import { crc32c } from '../corpus/crc32c.js';
import { corpusSource } from '../responder/mailbox-source.js';
import { startResponder } from '../responder/responder.js';
import type { BigOutcome } from '../scenarios/big.js';
import { type ClientKind, NATIVE_BINARY, nativeClientProblem } from './native-binary.js';
import { type BenchOptions, runBench } from './run-bench.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(() => Promise.all(cleanup.map((step) => step())));

/** One session fetching user1's maildrop once, with the given client. */
function options(port: number, client: ClientKind, overrides: Partial<BenchOptions> = {}): BenchOptions {
  return benchOptions(port, { client, users: 1, concurrency: 1, durationMs: 10_000, once: true, ...overrides });
}

/** A message with CRLF lines and a header carrying the SHA-256 of the body (and its CRC-32C, when asked). */
function message(body: string, checksumOf = body, crcOf?: string): string {
  const sum = createHash('sha256').update(checksumOf).digest('hex');
  const crc = crcOf === undefined ? '' : `X-Bench-CRC32C: ${crc32c(Buffer.from(crcOf, 'latin1'))}\r\n`;
  return `Subject: test\r\nX-Bench-Checksum: ${sum}\r\n${crc}\r\n${body}`;
}

/** Byte-stuffs CRLF content for the wire and adds the terminator. */
function stuffed(content: string): string {
  return `${content.replace(/^\./gm, '..')}.\r\n`;
}

interface Maildrop {
  /** The messages as they are un-stuffed, with CRLF line ends. */
  messages: string[];
  /** Replies to use instead of the right ones, by command word (USER, STAT, LIST, UIDL, RETR, …) or GREETING. */
  replies?: Record<string, string>;
  /** Each reply is written in pieces of this many bytes, a turn of the event loop apart. */
  piece?: number;
}

/** A POP3 server that serves one maildrop to every user, right or with the given replies put in. */
async function serve(maildrop: Maildrop): Promise<number> {
  const { messages, replies = {}, piece } = maildrop;
  const total = messages.reduce((sum, content) => sum + content.length, 0);
  const right: Record<string, (msn: number) => string> = {
    GREETING: () => '+OK ready\r\n',
    STAT: () => `+OK ${messages.length} ${total}\r\n`,
    LIST: () => `+OK\r\n${messages.map((content, i) => `${i + 1} ${content.length}\r\n`).join('')}.\r\n`,
    UIDL: () => `+OK\r\n${messages.map((_, i) => `${i + 1} uid-${i + 1}\r\n`).join('')}.\r\n`,
    RETR: (msn) => `+OK ${messages[msn - 1]!.length} octets\r\n${stuffed(messages[msn - 1]!)}`,
  };
  const answer = (word: string, msn: number): string => replies[word] ?? right[word]?.(msn) ?? '+OK\r\n';
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    let queue = Promise.resolve();
    const write = (text: string): void => {
      queue = queue.then(async () => {
        if (piece === undefined) return void socket.write(text, 'latin1');
        for (let at = 0; at < text.length; at += piece) {
          socket.write(text.slice(at, at + piece), 'latin1');
          await tick();
        }
      });
    };
    write(answer('GREETING', 0));
    let input = '';
    socket.on('data', (chunk) => {
      input += chunk.toString('latin1');
      for (let lf = input.indexOf('\n'); lf >= 0; lf = input.indexOf('\n')) {
        const [word = '', argument = ''] = input.slice(0, lf).trimEnd().split(' ');
        input = input.slice(lf + 1);
        const reply = answer(word === 'TOP' ? 'RETR' : word, Number(argument));
        if (reply === 'CLOSE') socket.destroy();
        else write(reply);
        if (word === 'QUIT') queue = queue.then(() => void socket.end());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const good = message('line one\r\n.a line that starts with a dot\r\n\r\nlast line\r\n');

/** Runs both clients against the same server; returns each one's error counts. */
async function bothClients(maildrop: Maildrop, overrides: Partial<BenchOptions> = {}) {
  const port = await serve(maildrop);
  const node = await runBench(options(port, 'node', overrides));
  const native = await runBench(options(port, 'native', overrides));
  return { node, native };
}

describe('the native load client', () => {
  it('is built', () => {
    expect(existsSync(NATIVE_BINARY)).toBe(true);
    expect(nativeClientProblem({ scenario: 'retr-all', address: { tls: 'none' } })).toBeUndefined();
  });

  it('refuses what it cannot run, with the reason', async () => {
    expect(nativeClientProblem({ scenario: 'login', address: { tls: 'none' } })).toMatch(/runs retr-all and big/);
    expect(nativeClientProblem({ scenario: 'retr-all', address: { tls: 'implicit' } })).toMatch(/plain TCP/);
    await expect(runBench(options(1, 'native', { scenario: 'idle' }))).rejects.toThrow(/use --client node/);
    await expect(runBench(options(1, 'native', { passwordPattern: 'a\tb' }))).rejects.toThrow(/no TAB/);
  });

  it('fetches a corpus exactly as the Node client does: the same messages, octets and checksums', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-native-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const set = await writeCorpus({
      out: dir,
      users: 3,
      messages: 12,
      profile: 'mixed',
      seed: 'native',
      userPattern: 'user%d',
      passwordPattern: 'pw%d',
    });
    const responder = await startResponder({ source: await corpusSource(dir) });
    cleanup.push(() => responder.close());
    for (const auth of ['user', 'plain'] as const) {
      const run = (client: ClientKind) =>
        runBench(options(responder.port, client, { users: 3, passwordPattern: 'pw%d', auth, concurrency: 2 }));
      const [node, native] = [await run('node'), await run('native')];
      expect(native.errorSamples).toEqual([]);
      expect(native.ok).toBe(true);
      expect(native.totals).toMatchObject({ sessions: 3, messages: 36, checksummed: 36, payloadBytes: set.exactBytes });
      expect(native.totals).toEqual(node.totals);
      expect(native.latencyMs.RETR!.count).toBe(36);
      expect(native.latencyMs.SESSION!.count).toBe(3);
      expect(native.latencyMs[auth === 'plain' ? 'AUTH' : 'PASS']!.count).toBe(3);
      expect(native.client).toMatchObject({ kind: 'native', workers: 1 });
      expect(native.client.cpuCores).toBeGreaterThan(0);
    }
  });

  it('checks the CRC-32C when a message carries one, and the SHA-256 otherwise', async () => {
    const body = 'one\r\n..two\r\n';
    const crcRight = await bothClients({ messages: [message(body, body, body), good] });
    expect(crcRight.native.errorSamples).toEqual([]);
    expect(crcRight.native.totals.checksummed).toBe(2);
    // Only the native client reads the CRC-32C: a wrong one fails there while the SHA-256 still matches.
    const crcWrong = await bothClients({ messages: [message(body, body, `${body}x`)] });
    expect(crcWrong.node.errorSamples).toEqual([]);
    expect(crcWrong.native.errors).toEqual({ 'checksum-mismatch': 1 });
  });

  it('fetches with TOP n 99999999 and times it as TOP', async () => {
    const { native } = await bothClients({ messages: [good, good] }, { fetch: 'top' });
    expect(native.errorSamples).toEqual([]);
    expect(native.latencyMs.TOP!.count).toBe(2);
    expect(native.latencyMs.RETR).toBeUndefined();
  });

  it('runs big: the largest message, as many times as asked, with its rate each time', async () => {
    const large = message(`${'x'.repeat(70)}\r\n`.repeat(3000));
    const port = await serve({ messages: [good, large, good] });
    const result = await runBench(options(port, 'native', { scenario: 'big', bigRepeat: 4 }));
    const detail = result.detail as BigOutcome;
    expect(result.errorSamples).toEqual([]);
    expect(detail).toMatchObject({ user: 'user1', msn: 2, size: large.length });
    expect(detail.retrievals).toHaveLength(4);
    expect(detail.retrievals[0]!.MBps).toBeGreaterThan(0);
    expect(result.totals).toMatchObject({ messages: 4, payloadBytes: 4 * large.length, sessions: 1 });
  });

  it('spreads sessions over several processes with --workers', async () => {
    const port = await serve({ messages: [good] });
    const result = await runBench(
      options(port, 'native', { once: false, durationMs: 600, concurrency: 4, workers: 2 }),
    );
    expect(result.errorSamples).toEqual([]);
    expect(result.settings.workers).toBe(2);
    expect(result.totals.messages).toBeGreaterThan(0);
    expect(result.totals.messages).toBe(result.latencyMs.RETR!.count);
  });

  it('accepts replies that arrive a few bytes at a time, split anywhere', async () => {
    const body = '.\r\n..\r\n.x\r\nplain\r\n\r\n.\r\nend\r\n';
    for (const piece of [1, 2, 3, 5]) {
      const { node, native } = await bothClients({ messages: [message(body), good], piece });
      expect(native.errorSamples, `pieces of ${piece}`).toEqual([]);
      expect(native.totals).toEqual(node.totals);
      expect(native.totals.checksummed).toBe(2);
    }
  });

  const bad = (body: string) => `+OK\r\n${body}`;
  const faults: [string, Maildrop, string][] = [
    ['a body that does not match its checksum', { messages: [message('right\r\n', 'wrong\r\n')] }, 'checksum-mismatch'],
    ['a message without a checksum', { messages: ['Subject: none\r\n\r\nbody\r\n'] }, 'missing-checksum'],
    [
      'a bare LF in a message',
      { messages: [good], replies: { RETR: bad('Subject: x\r\n\r\na\nb\r\n.\r\n') } },
      'bare-lf',
    ],
    [
      'a line with a single dot not stuffed',
      { messages: [good], replies: { RETR: bad('.oops\r\n.\r\n') } },
      'bad-dot-stuffing',
    ],
    [
      'a terminator ended by a bare LF',
      { messages: [good], replies: { RETR: bad('Subject: x\r\n.\n') } },
      'bad-terminator',
    ],
    [
      'a message one octet short of LIST',
      { messages: [good], replies: { RETR: bad(stuffed(good.slice(1))) } },
      'size-mismatch',
    ],
    [
      'a message longer than LIST',
      { messages: [good], replies: { RETR: bad(stuffed(`${good}x\r\n`)) } },
      'size-mismatch',
    ],
    [
      'an announced size that is not LIST',
      { messages: [good], replies: { RETR: `+OK 3 octets\r\n${stuffed(good)}` } },
      'size-mismatch',
    ],
    [
      'STAT that disagrees with LIST',
      { messages: [good], replies: { STAT: `+OK 1 ${good.length + 1}\r\n` } },
      'count-mismatch',
    ],
    [
      'a listing numbered out of order',
      { messages: [good, good], replies: { LIST: `+OK\r\n2 ${good.length}\r\n1 ${good.length}\r\n.\r\n` } },
      'bad-listing',
    ],
    [
      'a unique-id given twice',
      { messages: [good, good], replies: { UIDL: '+OK\r\n1 same\r\n2 same\r\n.\r\n' } },
      'bad-listing',
    ],
    [
      'a UIDL with fewer lines than STAT',
      { messages: [good, good], replies: { UIDL: '+OK\r\n1 a\r\n.\r\n' } },
      'count-mismatch',
    ],
    [
      'bytes after a reply',
      { messages: [good], replies: { STAT: `+OK 1 ${good.length}\r\n+OK more\r\n` } },
      'unexpected-data',
    ],
    [
      'a status line that is neither +OK nor -ERR',
      { messages: [good], replies: { USER: 'OK fine\r\n' } },
      'bad-status-line',
    ],
    [
      'a status line longer than 512 octets',
      { messages: [good], replies: { USER: `+OK ${'x'.repeat(600)}\r\n` } },
      'line-too-long',
    ],
    ['a status line ended by a bare LF', { messages: [good], replies: { USER: '+OK\n' } }, 'bare-lf'],
    ['-ERR to PASS', { messages: [good], replies: { PASS: '-ERR [AUTH] no\r\n' } }, 'err-reply'],
    ['-ERR as the greeting', { messages: [good], replies: { GREETING: '-ERR busy\r\n' } }, 'greeting'],
    ['a connection closed in the middle of RETR', { messages: [good], replies: { RETR: 'CLOSE' } }, 'closed'],
  ];
  it.each(faults)('fails %s as the Node client does', async (_name, maildrop, kind) => {
    const { node, native } = await bothClients(maildrop);
    expect(node.errors).toEqual({ [kind]: 1 });
    expect(native.errors).toEqual({ [kind]: 1 });
    expect(native.ok).toBe(false);
    expect(native.totals.messages).toBe(0);
  });

  it('fails a command that gets no answer in time', async () => {
    const port = await serve({ messages: [good], replies: { STAT: '' } });
    const result = await runBench(
      options(port, 'native', { address: { ...options(port, 'native').address, timeoutMs: 300 } }),
    );
    expect(result.errors).toEqual({ timeout: 1 });
  });
});
