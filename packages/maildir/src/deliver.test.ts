import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMaildirName } from '@poplar/size';
import { describe, expect, it } from 'vitest';
import { aliceMaildir, tempDir } from '../test/fixtures/maildir-fixture.js';
import { cleanTmp, STALE_TMP_MS } from './clean-tmp.js';
import { deliver } from './deliver.js';
import { MaildirError } from './maildir-error.js';
import { resolveMaildir } from './resolve-maildir.js';
import { UID_LIST_FILE } from './uid-list.js';
import { maildirHostname, newUniqueName } from './unique-name.js';

describe('deliver', () => {
  const alice = aliceMaildir();

  it('writes the message in CRLF form to new/ as <unique>,S=<stored>,W=<exact> with the next UID', async () => {
    const first = await deliver(alice.maildir, Buffer.from('Subject: x\n\nbody\n'));
    // Stored as RETR sends it before dot-stuffing, so the bytes on disk (S=) are the exact size (W=).
    expect(first).toMatchObject({ uid: 1, storedSize: 20, size: 20 });
    expect(first.path).toBe(join(alice.maildir, 'new', first.unique));
    expect(parseMaildirName(first.unique)).toEqual({ unique: first.unique, hints: { S: 20, W: 20 }, info: '' });
    expect(first.unique).toMatch(/^\d+\.M\d+P\d+Q\d+R[0-9a-f]{12}\.[^/:]+,S=20,W=20$/);
    expect(await readFile(first.path, 'latin1')).toBe('Subject: x\r\n\r\nbody\r\n');
    expect((await stat(first.path)).size).toBe(20);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    const second = await deliver(alice.maildir, Buffer.from('second\r\n'));
    expect(second.uid).toBe(2);
    expect(second.unique).not.toBe(first.unique);
    expect(await readdir(join(alice.maildir, 'tmp'))).toEqual([]);
    expect(await readFile(join(alice.maildir, UID_LIST_FILE), 'utf8')).toContain(`2 ${second.unique} S=8 W=8\n`);
  });

  it('streams a source given in chunks without holding it whole', async () => {
    async function* source() {
      for (let i = 0; i < 100; i++) yield Buffer.from(`line ${i}\n`);
    }
    const delivery = await deliver(alice.maildir, source());
    const text = await readFile(delivery.path, 'latin1');
    expect(text).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\r\n`).join(''));
    expect(delivery.size).toBe(text.length);
    expect(delivery.storedSize).toBe(text.length);
  });

  it('leaves no tmp file and no visible message when the source fails', async () => {
    async function* failing() {
      yield Buffer.from('partial\n');
      throw Object.assign(new Error('source broke'), { code: 'EIO' });
    }
    const error = await deliver(alice.maildir, failing()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaildirError);
    expect(error).toMatchObject({ code: 'MAILDIR_ERR_IO', kind: 'temporary' });
    expect(await readdir(join(alice.maildir, 'tmp'))).toEqual([]);
    expect(await readdir(join(alice.maildir, 'new'))).toEqual([]);
  });

  it('refuses a Maildir that is not a directory', async () => {
    const file = join(alice.root, 'file');
    await writeFile(file, '');
    await expect(deliver(file, Buffer.from('x'))).rejects.toMatchObject({ code: 'MAILDIR_ERR_BAD_PATH' });
  });
});

describe('cleanTmp', () => {
  it('removes only tmp/ files untouched for 36 hours', async () => {
    const dir = await tempDir();
    try {
      const maildir = await resolveMaildir(dir.path, 'alice');
      const old = join(maildir, 'tmp', 'old');
      const fresh = join(maildir, 'tmp', 'fresh');
      const leftover = join(maildir, '.poplar-uidlist.0123.tmp');
      const message = join(maildir, 'cur', 'message:2,S');
      for (const path of [old, fresh, leftover, message]) await writeFile(path, 'x');
      // ctime cannot be set back, so look from the future, where only "fresh" has been touched.
      const now = Date.now() + STALE_TMP_MS + 60_000;
      await utimes(fresh, now / 1000, now / 1000);
      expect(await cleanTmp(maildir, { now })).toBe(2);
      expect(await readdir(join(maildir, 'tmp'))).toEqual(['fresh']);
      expect((await readdir(maildir)).sort()).toEqual(['cur', 'new', 'tmp']);
      expect(await readdir(join(maildir, 'cur'))).toEqual(['message:2,S']);
      expect(await cleanTmp(maildir)).toBe(0);
    } finally {
      await dir.dispose();
    }
  });
});

describe('unique names', () => {
  it('escape "/", ":" and "," in the host name as the Maildir spec says', () => {
    expect(maildirHostname('a/b:c,d')).toBe('a\\057b\\072c\\054d');
    expect(maildirHostname('')).toBe('localhost');
  });

  it('are distinct within a process', () => {
    const names = new Set(Array.from({ length: 1000 }, () => newUniqueName()));
    expect(names.size).toBe(1000);
    expect([...names][0]).toMatch(new RegExp(`^\\d+\\.M\\d+P${process.pid}Q\\d+R[0-9a-f]{12}\\.`));
  });
});
