import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../util/prng.js';
import { writeCorpus } from './corpus-writer.js';
import { crc32c } from './crc32c.js';
import { placeMessage } from './maildir-name.js';
import { generateMessage } from './message-generator.js';
import { PROFILE } from './profiles.js';
import { TextPool } from './text-pool.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-corpus-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.set(relative(root, path), await readFile(path));
    }
  }
  return out;
}

/** The exact size computed the slow, obvious way, independent of the code under test. */
function crlfSizeByHand(bytes: Buffer): number {
  let size = bytes.length;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10 && (i === 0 || bytes[i - 1] !== 13)) size++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? size + 2 : size;
}

const options = {
  users: 3,
  messages: 12,
  profile: 'mixed' as const,
  seed: 's1',
  userPattern: 'u%d',
  passwordPattern: 'pw%d',
};

describe('writeCorpus', () => {
  it('writes the same bytes under the same names for the same seed, and other bytes for another seed', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    await writeCorpus({ ...options, out: a });
    await writeCorpus({ ...options, out: b });
    await writeCorpus({ ...options, out: c, seed: 's2' });
    const [filesA, filesB, filesC] = [await files(a), await files(b), await files(c)];
    expect([...filesA.keys()].sort()).toEqual([...filesB.keys()].sort());
    for (const [name, bytes] of filesA) expect(bytes.equals(filesB.get(name)!), name).toBe(true);
    const mail = [...filesA.keys()].filter((name) => name.includes('Maildir'));
    expect(mail.some((name) => !filesC.get(name)?.equals(filesA.get(name)!))).toBe(true);
  });

  it('writes correct size hints, Maildirs of every kind, a passwd-file, a users list and a manifest', async () => {
    const out = await tempDir();
    const set = await writeCorpus({ ...options, out });
    const all = await files(out);
    const mail = [...all].filter(([name]) => /Maildir\/(cur|new)\//.test(name));
    expect(mail).toHaveLength(36);
    let exactTotal = 0;
    for (const [name, bytes] of mail) {
      exactTotal += crlfSizeByHand(bytes);
      const hints = /,S=(\d+),W=(\d+)/.exec(name);
      if (hints !== null) {
        expect(Number(hints[1]), name).toBe(bytes.length);
        expect(Number(hints[2]), name).toBe(crlfSizeByHand(bytes));
      }
      expect(name.includes('/new/') ? !name.includes(':2,') : name.endsWith(':2,S')).toBe(true);
      // Dovecot 2.3 miscounts an unterminated message without a hint, so by default none is left without.
      if (bytes[bytes.length - 1] !== 10) expect(hints, name).not.toBeNull();
    }
    expect(mail.some(([name]) => !name.includes(',S='))).toBe(true);
    expect(mail.some(([name]) => name.includes('/new/'))).toBe(true);
    expect(set.exactBytes).toBe(exactTotal);
    expect(all.get('passwd')!.toString()).toBe('u1:{PLAIN}pw1::::::\nu2:{PLAIN}pw2::::::\nu3:{PLAIN}pw3::::::\n');
    expect(all.get('users.txt')!.toString()).toBe('u1\nu2\nu3\n');
    expect(JSON.parse(all.get('corpus.json')!.toString()).sets[0].users).toEqual(['u1', 'u2', 'u3']);
    for (const folder of ['cur', 'new', 'tmp'])
      await expect(readdir(join(out, 'u3', 'Maildir', folder))).resolves.toBeDefined();
  });

  it('writes LF line ends, stuffable lines and a SHA-256 and a CRC-32C of the body', async () => {
    const out = await tempDir();
    await writeCorpus({ ...options, users: 1, messages: 40, out });
    const mail = [...(await files(out))].filter(([name]) => name.includes('Maildir/'));
    let dotLines = 0;
    for (const [, bytes] of mail) {
      const text = bytes.toString('latin1');
      const sum = /^X-Bench-Checksum: ([0-9a-f]{64})\r?$/m.exec(text)![1];
      const body = text.slice(text.search(/\r?\n\r?\n/) + (text.includes('\r\n\r\n') ? 4 : 2));
      let wire = body.replace(/\r?\n/g, '\r\n');
      if (!wire.endsWith('\r\n')) wire += '\r\n';
      expect(createHash('sha256').update(wire, 'latin1').digest('hex')).toBe(sum);
      expect(/^X-Bench-CRC32C: ([0-9a-f]{8})\r?$/m.exec(text)![1]).toBe(crc32c(Buffer.from(wire, 'latin1')));
      dotLines += (text.match(/\n\./g) ?? []).length;
    }
    expect(dotLines).toBeGreaterThan(40);
  });

  it('adds users to an existing corpus and keeps the others', async () => {
    const out = await tempDir();
    await writeCorpus({ ...options, users: 2, out });
    await writeCorpus({ ...options, users: 1, messages: 1, profile: 'exchange', userPattern: 'big%d', out });
    expect((await readFile(join(out, 'users.txt'), 'utf8')).split('\n')).toEqual(['u1', 'u2', 'big1', '']);
    expect(JSON.parse(await readFile(join(out, 'corpus.json'), 'utf8')).sets).toHaveLength(2);
  });
});

describe('TextPool', () => {
  it('makes text of exactly the length asked for that always ends with LF', () => {
    const pool = new TextPool(new Prng('pool'));
    for (const eol of ['\n', '\r\n']) {
      for (let length = 1; length < 300; length++) {
        const text = pool.text(new Prng(`t/${length}`), length, eol);
        expect(text.length).toBe(length);
        expect(text.endsWith('\n')).toBe(true);
      }
    }
  });
});

describe('placeMessage', () => {
  it('leaves the hints off every fourth message unless told to keep them', () => {
    expect(placeMessage('b', 3, 10, 12)).toEqual({ folder: 'cur', name: 'b:2,S' });
    expect(placeMessage('b', 3, 10, 12, true)).toEqual({ folder: 'cur', name: 'b,S=10,W=12:2,S' });
    expect(placeMessage('b', 4, 10, 12)).toEqual({ folder: 'new', name: 'b,S=10,W=12' });
  });
});

describe('profiles', () => {
  it('mixed follows 65 % / 25 % / 10 % by size band, with attachments only in the top band', () => {
    const shapes = Array.from({ length: 4000 }, (_, i) => PROFILE.mixed.shape(new Prng(`p/${i}`)));
    const share = (test: (size: number) => boolean): number =>
      shapes.filter((s) => test(s.storedSize)).length / shapes.length;
    expect(share((s) => s <= 20 * 1024)).toBeCloseTo(0.65, 1);
    expect(share((s) => s > 20 * 1024 && s <= 100 * 1024)).toBeCloseTo(0.25, 1);
    expect(shapes.filter((s) => s.attachment).every((s) => s.storedSize >= 100 * 1024)).toBe(true);
    expect(shapes.some((s) => s.noFinalLf) && shapes.some((s) => s.crlf)).toBe(true);
    const mean = shapes.reduce((sum, s) => sum + s.storedSize, 0) / shapes.length / 1024;
    expect(mean).toBeGreaterThan(50);
    expect(mean).toBeLessThan(65);
  });

  it('100k is exactly 102 400 stored bytes, exchange about 26 KB', () => {
    const pool = new TextPool(new Prng('pool'));
    for (let id = 0; id < 5; id++) {
      const shape = PROFILE['100k'].shape(new Prng(`x/${id}`));
      expect(generateMessage(pool, { seed: 'x', user: 'u', id, shape }).length).toBe(102_400);
    }
    const sizes = Array.from({ length: 200 }, (_, i) => PROFILE.exchange.shape(new Prng(`e/${i}`)).storedSize);
    expect(sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024).toBeCloseTo(26, 0);
  });
});
