import { readlinkSync, readSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageStream, Store } from '@poplar/session';
import { createSessionEngine } from '@poplar/session';
import { createMemoryVerifier, openTestSession } from '@poplar/session/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  crlf,
  identity,
  readAll,
  storeContext,
  tempDir,
  wire,
  writeForeign,
} from '../test/fixtures/maildir-fixture.js';
import { cleanTmp, STALE_TMP_MS } from './clean-tmp.js';
import { CRLF_CACHE_DIR } from './crlf-cache.js';
import { deliver } from './deliver.js';
import { createMaildirStore } from './maildir-store.js';
import { resolveMaildir } from './resolve-maildir.js';

const signal = () => new AbortController().signal;

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

describe.each([true, false])('CRLF form of messages (blockingReads: %s)', (blockingReads) => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let maildir: string;
  let store: Store;
  const open = (s: Store = store) => s.open(identity('alice'), storeContext());
  const cacheDir = () => join(maildir, CRLF_CACHE_DIR);
  const cacheFiles = async () => (await readdir(cacheDir()).catch(() => [] as string[])).sort();

  /** A file as an LF-storing MDA leaves it, with Dovecot's S= and W=. */
  async function foreign(n: number, body: string): Promise<string> {
    const unique = `17000000${n}.M${n}P1.mx,S=${Buffer.byteLength(body)},W=${Buffer.byteLength(crlf(body))}`;
    await writeForeign(maildir, 'cur', `${unique}:2,S`, body, 1_700_000_000 + n);
    return unique;
  }

  beforeEach(async () => {
    dir = await tempDir();
    maildir = await resolveMaildir(dir.path, 'alice');
    // No tidying after sessions: these tests call cleanTmp themselves.
    store = createMaildirStore({ mailRoot: dir.path, blockingReads, crlfCacheAfterReads: 1, tidyEveryMs: 0 });
  });
  afterEach(() => dir.dispose());

  it('reads its own deliveries as they are, in CRLF form, with their length', async () => {
    const { size } = await deliver(maildir, Buffer.from('Subject: x\n\n.dot\nno newline'));
    const drop = await open();
    const stream = (await drop.read(0, signal())) as MessageStream;
    expect(stream.form).toBe('crlf');
    expect(stream.length).toBe(size);
    expect(await readAll(stream)).toBe('Subject: x\r\n\r\n.dot\r\nno newline\r\n');
    await drop.release();
    expect(await cacheFiles()).toEqual([]);
  });

  it('reads a file stored with CRLF by other software as it is', async () => {
    await writeForeign(maildir, 'new', '1700000000.V1I1M1.mx', 'A: b\r\n\r\nbody\r\n');
    const drop = await open();
    const stream = (await drop.read(0, signal())) as MessageStream;
    expect(stream.form).toBe('crlf');
    expect(await readAll(stream)).toBe('A: b\r\n\r\nbody\r\n');
    await drop.release();
    expect(await cacheFiles()).toEqual([]);
  });

  it('converts an LF file on its first read and keeps its wire form, which later reads use', async () => {
    const body = 'Subject: lf\n\n.line\n.\nlast line';
    const unique = await foreign(1, body);
    const first = await open();
    const stream = (await first.read(0, signal())) as MessageStream;
    expect(stream.form).toBe('crlf');
    expect(await readAll(stream)).toBe(crlf(body));
    await first.release();
    expect(await cacheFiles()).toEqual([unique]);
    expect(await readFile(join(cacheDir(), unique), 'latin1')).toBe(wire(body));
    // The file itself is left as it is.
    expect(await readFile(join(maildir, 'cur', `${unique}:2,S`), 'latin1')).toBe(body);

    // Proof that the cache is what gets read: same size, other content. Without the terminator, already stuffed.
    await writeFile(join(cacheDir(), unique), wire(body).replace('lf', 'LF'));
    const second = await open();
    const cached = (await second.read(0, signal())) as MessageStream;
    expect(cached.form).toBe('stuffed');
    expect(cached.file).toBeUndefined();
    expect(cached.length).toBe(Buffer.byteLength(wire(body)) - 3);
    expect(await readAll(cached)).toBe(wire(body).replace('lf', 'LF').slice(0, -3));
  });

  it('answers a read that can take a file with the open cache file, which the caller closes', async () => {
    const body = 'Subject: file\n\n.dot\nend\n';
    const unique = await foreign(1, body);
    const building = await open();
    await readAll(await building.read(0, signal()));
    await building.release();
    expect(await cacheFiles()).toEqual([unique]);
    const drop = await open();
    const stream = (await drop.read(0, signal(), { file: true })) as MessageStream;
    const file = stream.file!;
    expect(file.length).toBe(Buffer.byteLength(wire(body)));
    const bytes = Buffer.alloc(file.length);
    expect(readSync(file.fd, bytes, 0, file.length, 0)).toBe(file.length);
    expect(bytes.toString('latin1')).toBe(wire(body));
    const opened = readlinkSync(`/proc/self/fd/${file.fd}`);
    expect(opened).toBe(join(cacheDir(), unique));
    file.close();
    // Closed: the number may already name another file opened since, never the cache file.
    expect(readlinkOrNull(`/proc/self/fd/${file.fd}`)).not.toBe(opened);
    // A message not cached yet is streamed as before, whatever the caller can take.
    await foreign(2, 'Subject: new\n\nx\n');
    const later = await open(createMaildirStore({ mailRoot: dir.path, blockingReads }));
    expect((await later.read(1, signal(), { file: true }))!.file).toBeUndefined();
    await later.release();
    await drop.release();
  });

  it('by default keeps the CRLF form from the second read: mail downloaded once is never written', async () => {
    const body = 'Subject: once\n\nbody\n';
    const unique = await foreign(1, body);
    const byDefault = createMaildirStore({ mailRoot: dir.path, blockingReads });
    for (const [expected, form] of [
      [[], 'crlf'],
      [[unique], 'crlf'],
      [[unique], 'stuffed'],
    ] as const) {
      const drop = await open(byDefault);
      const stream = (await drop.read(0, signal())) as MessageStream;
      expect(stream.form).toBe(form);
      expect(await readAll(stream)).toBe(crlf(body));
      await drop.release();
      expect(await cacheFiles()).toEqual(expected);
    }
  });

  it('measures files without W= once and caches them on first read like the others', async () => {
    await writeForeign(maildir, 'new', '1700000000.V1I1M1.mx', 'a\nb\n');
    const drop = await open();
    expect(drop.size(0)).toBe(6);
    expect(await readAll(await drop.read(0, signal()))).toBe('a\r\nb\r\n');
    await drop.release();
    expect(await cacheFiles()).toEqual(['1700000000.V1I1M1.mx']);
  });

  it.each([
    ['too short', 'x\r\n'],
    ['a CRLF form kept by an earlier version', 'x\r\n.y\r\n'],
  ])('does not trust a cache file that is %s: it reads the message and rebuilds the cache', async (_, content) => {
    const body = 'x\n.y\n';
    const unique = await foreign(1, body);
    await mkdir(cacheDir());
    await writeFile(join(cacheDir(), unique), content);
    const drop = await open();
    expect(await readAll(await drop.read(0, signal(), { file: true }))).toBe('x\r\n.y\r\n');
    await drop.release();
    expect(await readFile(join(cacheDir(), unique), 'latin1')).toBe('x\r\n..y\r\n.\r\n');
  });

  it('keeps no cache for a message whose W= does not match what it converts to', async () => {
    await writeForeign(maildir, 'cur', '1700000000.M1P1.mx,S=4,W=999:2,S', 'a\nb\n');
    const drop = await open();
    expect(await readAll(await drop.read(0, signal()))).toBe('a\r\nb\r\n');
    await drop.release();
    expect(await cacheFiles()).toEqual([]);
  });

  it('keeps nothing when a read stops early or is aborted', async () => {
    const big = `Subject: big\n\n${'line of text\n'.repeat(100_000)}`;
    await foreign(1, big);
    const drop = await open();
    const stream = (await drop.read(0, signal()))!;
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    const controller = new AbortController();
    const aborted = (await drop.read(0, controller.signal))![Symbol.asyncIterator]();
    await aborted.next();
    controller.abort();
    await expect(aborted.next()).rejects.toThrow();
    await drop.release();
    expect(await cacheFiles()).toEqual([]);
  });

  it('builds one cache when several sessions read the same message at once', async () => {
    const body = 'Subject: shared\n\nbody\n'.repeat(5000);
    const unique = await foreign(1, body);
    const drops = await Promise.all([open(), open(), open()]);
    const bodies = await Promise.all(drops.map(async (d) => readAll(await d.read(0, signal()))));
    expect(bodies).toEqual([crlf(body), crlf(body), crlf(body)]);
    await Promise.all(drops.map((d) => d.release()));
    expect(await cacheFiles()).toEqual([unique]);
  });

  it.each([
    true,
    false,
  ])('reads null for a message removed behind the session even when its cache is there (watchChanges: %s)', async (watchChanges) => {
    const watching = createMaildirStore({ mailRoot: dir.path, blockingReads, crlfCacheAfterReads: 1, watchChanges });
    await foreign(1, 'gone\n');
    const warm = await open(watching);
    await readAll(await warm.read(0, signal()));
    await warm.release();
    const drop = await open(watching);
    expect(await readAll(await drop.read(0, signal()))).toBe('gone\r\n');
    await unlink(join(maildir, 'cur', (await readdir(join(maildir, 'cur')))[0]!));
    // A watch sees the removal once the event loop has taken the kernel's event: within a turn of it.
    await new Promise(setImmediate);
    expect(await drop.read(0, signal())).toBeNull();
    await drop.release();
  });

  it('reads the cached form of a message another program re-flagged while the session was open', async () => {
    const unique = await foreign(1, 'flagged\n');
    // Released, so that its cache file is complete (a release waits for the writes the session started).
    const warm = await open();
    await readAll(await warm.read(0, signal()));
    await warm.release();
    const drop = await open();
    await rename(join(maildir, 'cur', `${unique}:2,S`), join(maildir, 'cur', `${unique}:2,RS`));
    await new Promise(setImmediate);
    expect(await readAll(await drop.read(0, signal()))).toBe('flagged\r\n');
    await drop.release();
    expect(await cacheFiles()).toEqual([unique]);
  });

  it('with crlfCache: false, converts as it reads and writes nothing, small and large messages alike', async () => {
    const large = `${'l'.repeat(99)}\n`.repeat(4000);
    await foreign(1, 'a\nb\n');
    await foreign(2, large);
    const plain = createMaildirStore({ mailRoot: dir.path, blockingReads, crlfCache: false });
    for (let pass = 0; pass < 2; pass++) {
      const drop = await open(plain);
      for (const [index, body] of ['a\nb\n', large].entries()) {
        const stream = (await drop.read(index, signal())) as MessageStream;
        expect(stream.form).toBe('crlf');
        expect(await readAll(stream)).toBe(crlf(body));
      }
      await drop.release();
    }
    expect(await readdir(maildir)).not.toContain(CRLF_CACHE_DIR);
  });

  it('neither reads nor writes through a cache folder that is a symlink', async () => {
    const body = 'secret?\n';
    const unique = await foreign(1, body);
    const elsewhere = join(dir.path, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, unique), 'LEAKED!\r\n');
    await symlink(elsewhere, cacheDir());
    const drop = await open();
    const stream = (await drop.read(0, signal())) as MessageStream;
    // Converted as it is read, as with the cache off.
    expect(stream.form).toBe('crlf');
    expect(await readAll(stream)).toBe(crlf(body));
    await drop.release();
    expect(await readdir(elsewhere)).toEqual([unique]);
    expect(await readFile(join(elsewhere, unique), 'latin1')).toBe('LEAKED!\r\n');
  });

  it('commit removes the cache files of the messages it removes', async () => {
    const a = await foreign(1, 'a\n');
    const b = await foreign(2, 'b\n');
    const warm = await open();
    for (let i = 0; i < warm.count; i++) await readAll(await warm.read(i, signal()));
    await warm.release();
    expect(await cacheFiles()).toEqual([a, b].sort());
    const drop = await open();
    await drop.commit([0]);
    expect(await cacheFiles()).toEqual([b]);
  });

  it('a rewrite of the UID list removes the caches of messages other software removed', async () => {
    const a = await foreign(1, 'a\n');
    const b = await foreign(2, 'b\n');
    const drop = await open();
    for (let i = 0; i < drop.count; i++) await readAll(await drop.read(i, signal()));
    await drop.release();
    await unlink(join(maildir, 'cur', `${a}:2,S`));
    await deliver(maildir, Buffer.from('new mail\n'));
    await writeForeign(maildir, 'new', '1800000000.V1I1M1.mx', 'unlisted\n');
    await open();
    expect(await cacheFiles()).toEqual([b]);
  });

  it('cleanTmp removes caches of messages that are gone and old temporary files, and keeps the rest', async () => {
    const a = await foreign(1, 'a\n');
    const b = await foreign(2, 'b\n');
    const drop = await open();
    for (let i = 0; i < drop.count; i++) await readAll(await drop.read(i, signal()));
    await drop.release();
    await unlink(join(maildir, 'cur', `${a}:2,S`));
    await writeFile(join(cacheDir(), '.tmp-0123456789abcdef'), 'half');
    expect(await cleanTmp(maildir)).toBe(1);
    expect(await cacheFiles()).toEqual(['.tmp-0123456789abcdef', b]);
    expect(await cleanTmp(maildir, { now: Date.now() + STALE_TMP_MS + 60_000 })).toBe(1);
    expect(await cacheFiles()).toEqual([b]);
  });

  it('cleanTmp leaves a cache folder that is a symlink, and what it points to, alone', async () => {
    const elsewhere = join(dir.path, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'victim'), 'keep me');
    await symlink(elsewhere, cacheDir());
    expect(await cleanTmp(maildir)).toBe(0);
    expect(await readdir(elsewhere)).toEqual(['victim']);
  });
});

describe('the wire, whatever form the message is stored in', () => {
  const messages = [
    'Subject: one\n\n.starts with a dot\nbody\n..two dots\n.\nend',
    'Subject: two\r\nX: y\r\n\r\nalready CRLF\r\n.dot\r\n',
    'Subject: mixed\n\nbare\rCR\r\nand LF\n\n\n',
    '',
    `Subject: big\n\n${'.dotted line\nplain line of some length\n'.repeat(30_000)}`,
  ];
  const commands = messages.flatMap((_, i) => [`RETR ${i + 1}`, `TOP ${i + 1} 0`, `TOP ${i + 1} 3`]);

  async function transcript(mailRoot: string, crlfCache: boolean, blockingReads = true): Promise<string> {
    const engine = createSessionEngine({
      store: createMaildirStore({ mailRoot, crlfCache, blockingReads, crlfCacheAfterReads: 1 }),
      passwords: createMemoryVerifier({ alice: 'pw' }),
      settings: { loginType: 'PlainTextLogin' },
    });
    const s = openTestSession(engine);
    s.send('USER alice', 'PASS pw', ...commands, 'QUIT');
    const received: Buffer[] = [];
    for await (const chunk of s.client) received.push(chunk as Buffer);
    await s.result;
    return Buffer.concat(received).toString('latin1');
  }

  it('is the same for LF files with the cache off, cold or warm, and for delivered mail', async () => {
    const foreignDir = await tempDir();
    const deliveredDir = await tempDir();
    try {
      const maildir = await resolveMaildir(foreignDir.path, 'alice');
      for (const [n, body] of messages.entries()) {
        await writeForeign(maildir, 'cur', `17000000${n}.M${n}P1.mx:2,S`, body, 1_700_000_000 + n);
      }
      const delivered = await resolveMaildir(deliveredDir.path, 'alice');
      for (const body of messages) await deliver(delivered, Buffer.from(body));

      const plain = await transcript(foreignDir.path, false);
      expect(plain).toContain('\r\n...two dots\r\n');
      expect(await readdir(maildir)).not.toContain(CRLF_CACHE_DIR);
      expect(await transcript(foreignDir.path, true)).toBe(plain);
      expect((await readdir(join(maildir, CRLF_CACHE_DIR))).length).toBe(3);
      expect(await transcript(foreignDir.path, true)).toBe(plain);
      expect(await transcript(foreignDir.path, true, false)).toBe(plain);
      expect(await transcript(deliveredDir.path, true)).toBe(plain);
      expect(await transcript(deliveredDir.path, true, false)).toBe(plain);
    } finally {
      await foreignDir.dispose();
      await deliveredDir.dispose();
    }
  });
});
