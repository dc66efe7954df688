import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchOptions } from '../../test/bench-options.js';
import { writeCorpus } from '../corpus/corpus-writer.js';
import { encodeMailbox } from '../responder/encoded-mailbox.js';
import { corpusSource, type MailboxSource, syntheticSource } from '../responder/mailbox-source.js';
import { type Responder, type ResponderTls, startResponder } from '../responder/responder.js';
import type { BigOutcome } from '../scenarios/big.js';
import type { IdleOutcome } from '../scenarios/idle.js';
import { runBench } from './run-bench.js';

const fixtures = new URL('../../test/fixtures/', import.meta.url);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(() => Promise.all(cleanup.map((step) => step())));

async function responder(source: MailboxSource, tls?: ResponderTls): Promise<Responder> {
  const started = await startResponder({ source, ...(tls ? { tls } : {}) });
  cleanup.push(() => started.close());
  return started;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const options = benchOptions;

const synthetic = syntheticSource('mixed', 20, 'e2e');

describe('runBench against the in-memory responder', () => {
  it('retr-all: loops for the window after a warm-up, on two shards, validating every message', async () => {
    const { port } = await responder(synthetic);
    const result = await runBench(options(port, { warmupMs: 300, durationMs: 1200, workers: 2 }));
    expect(result.ok).toBe(true);
    expect(result.errorTotal).toBe(0);
    expect(result.settings.workers).toBe(2);
    expect(result.totals.messages).toBeGreaterThan(0);
    expect(result.totals.checksummed).toBe(result.totals.messages);
    expect(result.latencyMs.RETR!.count).toBe(result.totals.messages);
    // Wire bytes count as they arrive, payload as messages finish, so at the window's edges they differ a little.
    expect(result.totals.wireBytes).toBeGreaterThan(result.totals.payloadBytes * 0.5);
    // The window is measured, not assumed: on a loaded machine it may overrun a little, never fall short.
    expect(result.elapsedSec).toBeGreaterThanOrEqual(1.15);
    expect(result.elapsedSec).toBeLessThan(6);
    expect(result.series.length).toBeGreaterThanOrEqual(2);
    expect(result.rates.payloadMBps).toBeGreaterThan(0);
  });

  it('retr-all --fetch top: fetches every message with TOP, validates it and times it as TOP', async () => {
    const { port } = await responder(synthetic);
    const result = await runBench(options(port, { fetch: 'top', durationMs: 600 }));
    expect(result.errorSamples).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.settings.fetch).toBe('top');
    expect(result.seriesCommand).toBe('TOP');
    expect(result.totals.checksummed).toBe(result.totals.messages);
    expect(result.latencyMs.TOP!.count).toBe(result.totals.messages);
    expect(result.latencyMs.RETR).toBeUndefined();
  });

  it('retr-all --once over a corpus folder fetches every mailbox exactly once, with AUTH PLAIN', async () => {
    const dir = await tempDir();
    const set = await writeCorpus({
      out: dir,
      users: 3,
      messages: 10,
      profile: 'mixed',
      seed: 'once',
      userPattern: 'user%d',
      passwordPattern: 'pw%d',
    });
    const { port } = await responder(await corpusSource(dir));
    const result = await runBench(
      options(port, { once: true, users: 3, passwordPattern: 'pw%d', auth: 'plain', durationMs: 20_000 }),
    );
    expect(result.ok).toBe(true);
    expect(result.totals).toMatchObject({ sessions: 3, messages: 30, checksummed: 30, payloadBytes: set.exactBytes });
    // Everything falls inside the window here: every byte of every reply is on the wire, plus stuffing and framing.
    expect(result.totals.wireBytes).toBeGreaterThan(result.totals.payloadBytes);
    expect(result.latencyMs.AUTH!.count).toBe(3);
  });

  it('counts a wrong password as an error and fails the run', async () => {
    const dir = await tempDir();
    await writeCorpus({
      out: dir,
      users: 1,
      messages: 1,
      profile: 'exchange',
      seed: 'pw',
      userPattern: 'user%d',
      passwordPattern: 'right',
    });
    const { port } = await responder(await corpusSource(dir));
    const result = await runBench(options(port, { once: true, users: 1, passwordPattern: 'wrong' }));
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual({ 'err-reply': 1 });
  });

  it('counts a server whose RETR does not match its LIST as size-mismatch errors', async () => {
    const good = synthetic.mailbox('x')!;
    const liar = encodeMailbox([Buffer.from('Subject: a\n\nbody\n')]);
    const lying = { ...liar, list: Buffer.from(`+OK\r\n1 ${liar.size + 1}\r\n.\r\n`), size: liar.size + 1 };
    const { port } = await responder({ mailbox: () => lying, password: () => undefined });
    const result = await runBench(options(port, { durationMs: 500, requireChecksum: false }));
    expect(good.count).toBe(20);
    expect(result.ok).toBe(false);
    expect(result.errors['size-mismatch']).toBeGreaterThan(0);
    expect(result.totals.messages).toBe(0);
  });

  it('login over implicit TLS and over STLS', async () => {
    const cert = await readFile(new URL('localhost-cert.pem', fixtures));
    const key = await readFile(new URL('localhost-key.pem', fixtures));
    for (const [implicit, mode] of [
      [true, 'implicit'],
      [false, 'starttls'],
    ] as const) {
      const { port } = await responder(synthetic, { cert, key, implicit });
      const result = await runBench(options(port, { scenario: 'login', durationMs: 1000, concurrency: 2 }, mode));
      expect(result.errorSamples, mode).toEqual([]);
      expect(result.ok, mode).toBe(true);
      expect(result.totals.sessions, mode).toBeGreaterThan(0);
      expect(result.latencyMs.SESSION!.count).toBe(result.totals.sessions);
    }
  });

  it('idle: keeps sessions logged in and measures the server process tree', async () => {
    const { port } = await responder(synthetic);
    const result = await runBench(options(port, { scenario: 'idle', serverPid: process.pid, durationMs: 10_000 }));
    const detail = result.detail as IdleOutcome;
    expect(result.ok).toBe(true);
    expect(detail.opened).toBe(10);
    expect(detail.held!.rssKiB).toBeGreaterThan(0);
    expect(detail.perSessionPssKiB).toBeTypeOf('number');
    expect(result.server!.processes).toBeGreaterThanOrEqual(1);
  });

  it('big: one session RETRs the largest message several times', async () => {
    const { port } = await responder(synthetic);
    const result = await runBench(options(port, { scenario: 'big', durationMs: 10_000 }));
    const detail = result.detail as BigOutcome;
    expect(result.ok).toBe(true);
    expect(detail.retrievals).toHaveLength(3);
    expect(detail.size).toBe(Math.max(...synthetic.mailbox('x')!.sizes));
    expect(result.totals.messages).toBe(3);
  });

  it('exchange-profile: fetches and deletes, and delivers as many new messages into the Maildirs', async () => {
    const dir = await tempDir();
    await writeCorpus({
      out: dir,
      users: 4,
      messages: 3,
      profile: 'exchange',
      seed: 'ex',
      userPattern: 'user%d',
      passwordPattern: 'secret',
    });
    const { port } = await responder(await corpusSource(dir));
    const result = await runBench(
      options(port, {
        scenario: 'exchange-profile',
        durationMs: 800,
        concurrency: 2,
        delivery: { maildirRoot: dir, seed: 'ex', concurrency: 2 },
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.totals.deleted).toBeGreaterThan(0);
    expect(result.totals.deliveries).toBeGreaterThan(0);
    expect(result.totals.deliveries).toBeLessThanOrEqual(result.totals.deleted);
    const delivered = (
      await Promise.all([1, 2, 3, 4].map((n) => readdir(join(dir, `user${n}`, 'Maildir', 'new'))))
    ).flat();
    expect(delivered.filter((name) => name.includes(',W=')).length).toBeGreaterThanOrEqual(result.totals.deliveries);
  });
});
