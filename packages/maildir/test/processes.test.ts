// Several real processes on one Maildir: concurrent deliveries, a lock holder killed mid-way, a commit killed
// mid-way, and a delivery that runs out of room.
import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, resolveMaildir, UID_LIST_LOCK } from '../src/index.js';
import { createMaildirStore } from '../src/maildir-store.js';
import { buildWorker } from './fixtures/build-worker.js';
import {
  crlf,
  fillFolder,
  identity,
  readAll,
  storeContext,
  tempDir,
  writeForeign,
} from './fixtures/maildir-fixture.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let worker: string;

beforeAll(async () => {
  dir = await tempDir();
  worker = await buildWorker(dir.path);
});
afterAll(() => dir.dispose());

/** A fresh mail root for one test. */
async function mailRootFor(name: string): Promise<string> {
  const path = join(dir.path, name);
  await mkdir(path);
  return path;
}

interface Running {
  readonly child: ChildProcess;
  /** Resolves with the next JSON line the worker prints. */
  line(): Promise<unknown>;
  /** Resolves with every line once the worker exits with status 0. */
  done(): Promise<unknown[]>;
}

function run(args: string[], shellPrefix?: string): Running {
  const child = shellPrefix
    ? spawn('bash', ['-c', `${shellPrefix} && exec "$0" "$@"`, process.execPath, worker, ...args])
    : spawn(process.execPath, [worker, ...args]);
  const lines: unknown[] = [];
  let stderr = '';
  let closed = false;
  let notify = () => {};
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    lines.push(JSON.parse(text));
    notify();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      closed = true;
      notify();
      resolve(code);
    }),
  );
  let read = 0;
  return {
    child,
    async line() {
      while (read >= lines.length) {
        if (closed) throw new Error(`worker ended without output: ${stderr}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
        });
      }
      return lines[read++];
    },
    async done() {
      const code = await exited;
      if (code !== 0) throw new Error(`worker exited with ${code}: ${stderr}`);
      return lines;
    },
  };
}

describe('several processes on one Maildir', () => {
  it('4 processes x 50 deliveries, with sessions opening meanwhile: no UID duplicated, reused or changed', async () => {
    const mailRoot = await mailRootFor('concurrent');
    const maildir = await resolveMaildir(mailRoot, 'alice');
    const store = createMaildirStore({ mailRoot });
    const workers = [0, 1, 2, 3].map((n) => run(['deliver', maildir, '50', `w${n}`]));
    // Meanwhile: files from another MDA arrive and sessions open, taking the slow path under the lock.
    const seen = new Map<string, string>();
    const observe = async () => {
      const drop = await store.open(identity('alice'), storeContext());
      const uids = new Set<string>();
      for (let i = 0; i < drop.count; i++) {
        const uid = drop.uid(i);
        expect(uids.has(uid)).toBe(false);
        uids.add(uid);
        const body = await readAll(await drop.read(i, new AbortController().signal));
        const previous = seen.get(uid);
        if (previous !== undefined) expect(body).toBe(previous);
        seen.set(uid, body!);
      }
      await drop.release();
    };
    for (let i = 0; i < 10; i++) {
      await writeForeign(maildir, 'new', `1700000000.V1I${i}M1.other`, `foreign ${i}\n`);
      await observe();
    }
    const results = (await Promise.all(workers.map((w) => w.done()))).flat() as Array<{
      uid: number;
      unique: string;
      body: string;
    }>;
    expect(results).toHaveLength(200);
    expect(new Set(results.map((r) => r.uid)).size).toBe(200);
    await observe();
    const drop = await store.open(identity('alice'), storeContext());
    expect(drop.count).toBe(210);
    const byUid = new Map(Array.from({ length: drop.count }, (_, i) => [drop.uid(i), i]));
    expect(byUid.size).toBe(210);
    for (const r of results) {
      const index = byUid.get(String(r.uid));
      expect(index).toBeDefined();
      expect(await readAll(await drop.read(index!, new AbortController().signal))).toBe(crlf(r.body));
    }
    // UIDs increase in listing order and every delivery's UID is what the session shows.
    const uids = Array.from({ length: drop.count }, (_, i) => Number(drop.uid(i)));
    expect([...uids].sort((a, b) => a - b)).toEqual(uids);
    expect(await readdir(join(maildir, 'tmp'))).toEqual([]);
  });

  it('recovers the lock left by a killed process', async () => {
    const maildir = await resolveMaildir(await mailRootFor('stale'), 'alice');
    const holder = run(['hold-lock', maildir]);
    expect(await holder.line()).toBe('locked');
    // While it lives, the lock holds.
    await expect(deliver(maildir, Buffer.from('x\n'), { lockTimeoutMs: 100 })).rejects.toMatchObject({
      code: 'MAILDIR_ERR_LOCK_TIMEOUT',
      kind: 'temporary',
    });
    holder.child.kill('SIGKILL');
    await new Promise((r) => holder.child.once('close', r));
    expect(await readdir(maildir)).toContain(UID_LIST_LOCK);
    const started = Date.now();
    const delivery = await deliver(maildir, Buffer.from('after the crash\n'), { lockTimeoutMs: 5000 });
    expect(delivery.uid).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await readdir(maildir)).not.toContain(UID_LIST_LOCK);
  });

  it('a commit killed half-way removed only marked messages', async () => {
    const mailRoot = await mailRootFor('crash');
    const maildir = await resolveMaildir(mailRoot, 'alice');
    const total = 8000;
    const nameOf = (i: number) => `${String(i).padStart(5, '0')}.x,S=2,W=3:2,S`;
    fillFolder(maildir, 'cur', total, nameOf);
    // Open once here so the child's UIDs (and so its indexes) are the ones we know: files in name order.
    const drop = await createMaildirStore({ mailRoot }).open(identity('alice'), storeContext());
    expect(drop.count).toBe(total);
    const marked = Array.from({ length: total }, (_, i) => i).filter((i) => i % 2 === 1);
    const child = run(['commit', mailRoot, 'alice', JSON.stringify(marked)]);
    expect(await child.line()).toBe('ready');
    // Kill it as soon as the first file goes.
    await new Promise<void>((resolve) => {
      const watcher = watch(join(maildir, 'cur'), () => {
        watcher.close();
        child.child.kill('SIGKILL');
        resolve();
      });
    });
    await new Promise((r) => child.child.once('close', r));
    const left = new Set(await readdir(join(maildir, 'cur')));
    const names = Array.from({ length: total }, (_, i) => nameOf(i));
    const unmarkedLeft = names.filter((n, i) => i % 2 === 0 && left.has(n)).length;
    const markedLeft = names.filter((n, i) => i % 2 === 1 && left.has(n)).length;
    expect(unmarkedLeft).toBe(total / 2);
    // It really died in the middle.
    expect(markedLeft).toBeGreaterThan(0);
    expect(markedLeft).toBeLessThan(total / 2);
    console.log(`commit killed after removing ${total / 2 - markedLeft} of ${total / 2} marked messages`);
    // The next session sees the survivors under their old UIDs.
    const after = await createMaildirStore({ mailRoot }).open(identity('alice'), storeContext());
    expect(after.count).toBe(left.size);
    const before = new Set(Array.from({ length: drop.count }, (_, i) => drop.uid(i)));
    for (let i = 0; i < after.count; i++) expect(before.has(after.uid(i))).toBe(true);
    expect(after.uid(0)).toBe('1');
  });

  it('a delivery that cannot write (file size limit, a real failing write) leaves nothing behind', async () => {
    const maildir = await resolveMaildir(await mailRootFor('full'), 'alice');
    // RLIMIT_FSIZE of 16 KiB: Node ignores SIGXFSZ, so the write fails with EFBIG, as ENOSPC would.
    const child = run(['deliver-big', maildir, String(256 * 1024)], 'ulimit -f 16');
    const [result] = await child.done();
    expect(result).toMatchObject({ ok: false, isMaildirError: true, code: 'MAILDIR_ERR_IO', kind: 'temporary' });
    expect((result as { message: string }).message).toMatch(/EFBIG/);
    expect(await readdir(join(maildir, 'tmp'))).toEqual([]);
    expect(await readdir(join(maildir, 'new'))).toEqual([]);
    // The Maildir still works.
    expect((await deliver(maildir, Buffer.from('small\n'))).uid).toBe(1);
  });
});
