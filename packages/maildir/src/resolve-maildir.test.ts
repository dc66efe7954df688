import { lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures/maildir-fixture.js';
import { MaildirError } from './maildir-error.js';
import { prepareMaildir, resolveMaildir, userNameProblem } from './resolve-maildir.js';

describe('resolveMaildir', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    dir = await tempDir();
    root = join(dir.path, 'mail');
    outside = join(dir.path, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterEach(() => dir.dispose());

  it('creates <root>/<user>/Maildir with tmp, new and cur, mode 0700', async () => {
    const maildir = await resolveMaildir(root, 'alice@example.com');
    expect(maildir).toBe(join(root, 'alice@example.com', 'Maildir'));
    expect((await readdir(maildir)).sort()).toEqual(['cur', 'new', 'tmp']);
    for (const path of [join(root, 'alice@example.com'), maildir, join(maildir, 'new')]) {
      expect((await lstat(path)).mode & 0o777).toBe(0o700);
    }
    // Idempotent.
    expect(await resolveMaildir(root, 'alice@example.com')).toBe(maildir);
  });

  it.each([
    ['../../etc'],
    ['..'],
    ['.'],
    ['a/b'],
    ['a\\b'],
    ['a\0b'],
    ['.x'],
    ['-rf'],
    ['x'.repeat(300)],
    ['x'.repeat(65)],
    [''],
    ['tab\there'],
    ['new\nline'],
    ['sp ace'],
    ['e\u0301'], // not NFC
    ['a:b'],
  ])('refuses %j and touches nothing', async (user) => {
    const error = await resolveMaildir(root, user).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaildirError);
    expect(error).toMatchObject({ code: 'MAILDIR_ERR_BAD_USER', kind: 'permanent' });
    expect(await readdir(root)).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(dir.path)).toEqual(['mail', 'outside'].sort());
  });

  it.each([['bob'], ['Bob.Smith'], ['b_o-b+tag@example.org'], ['josé'], ['x'.repeat(64)]])('accepts %j', (user) => {
    expect(userNameProblem(user)).toBeUndefined();
  });

  it('refuses a user directory or Maildir that is a symlink, and never writes through it', async () => {
    await symlink(outside, join(root, 'eve'));
    await expect(resolveMaildir(root, 'eve')).rejects.toMatchObject({
      code: 'MAILDIR_ERR_BAD_PATH',
      kind: 'permanent',
    });
    await mkdir(join(root, 'mallory'));
    await symlink(outside, join(root, 'mallory', 'Maildir'));
    await expect(resolveMaildir(root, 'mallory')).rejects.toMatchObject({ code: 'MAILDIR_ERR_BAD_PATH' });
    await mkdir(join(root, 'trent', 'Maildir'), { recursive: true });
    await symlink(outside, join(root, 'trent', 'Maildir', 'cur'));
    await expect(resolveMaildir(root, 'trent')).rejects.toMatchObject({ code: 'MAILDIR_ERR_BAD_PATH' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a user entry that is a file, and a missing mail root', async () => {
    await writeFile(join(root, 'carol'), 'x');
    await expect(resolveMaildir(root, 'carol')).rejects.toMatchObject({ code: 'MAILDIR_ERR_BAD_PATH' });
    await expect(resolveMaildir(join(dir.path, 'nope'), 'carol')).rejects.toMatchObject({
      code: 'MAILDIR_ERR_IO',
      kind: 'temporary',
    });
  });

  it('prepareMaildir wants an absolute path', async () => {
    await expect(prepareMaildir('relative/Maildir')).rejects.toMatchObject({ code: 'MAILDIR_ERR_BAD_PATH' });
    const path = join(dir.path, 'custom');
    expect(await prepareMaildir(path)).toBe(path);
    expect((await readdir(path)).sort()).toEqual(['cur', 'new', 'tmp']);
  });
});
