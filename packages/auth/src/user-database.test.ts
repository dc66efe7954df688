import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ntHash } from '@poplar/auth-ntlm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateNtKey, parseNtKey } from './nt-hash-cipher.js';
import { type HashSettings, hashPassword } from './password-hash.js';
import { openUserDatabase, type UserDatabaseOptions } from './user-database.js';

// Count KDF runs: the real scrypt, pbkdf2 and sha512-crypt still do the work.
const kdf = vi.hoisted(() => ({ calls: [] as { fn: string; cost: unknown; length: number }[] }));
vi.mock('./sha512-crypt.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./sha512-crypt.js')>();
  return {
    ...original,
    sha512CryptDigest: (password: Uint8Array, salt: Uint8Array, rounds: number) => {
      kdf.calls.push({ fn: 'sha512-crypt', cost: { rounds, salt: salt.length }, length: 64 });
      return original.sha512CryptDigest(password, salt, rounds);
    },
  };
});
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    scrypt: (...args: Parameters<typeof crypto.scrypt>) => {
      const [, , length, options] = args as unknown as [unknown, unknown, number, { N: number; r: number; p: number }];
      kdf.calls.push({ fn: 'scrypt', cost: { N: options.N, r: options.r, p: options.p }, length });
      return (crypto.scrypt as (...a: unknown[]) => void)(...args);
    },
    pbkdf2: (...args: Parameters<typeof crypto.pbkdf2>) => {
      kdf.calls.push({ fn: `pbkdf2-${args[4]}`, cost: args[2], length: args[3] });
      return (crypto.pbkdf2 as (...a: unknown[]) => void)(...args);
    },
  };
});

const FAST: HashSettings = { scheme: 'scrypt', N: 1024, r: 8, p: 1 };
const ntKey = parseNtKey(generateNtKey());
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poplar-users-'));
  file = join(dir, 'users');
  kdf.calls.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(options: UserDatabaseOptions = {}) {
  return openUserDatabase(file, { hashSettings: FAST, ntKey, ...options });
}

async function seeded() {
  const db = await open({ create: true });
  await db.add('alice', 'alice pw', { ntlm: true, maildir: '/var/mail/alice' });
  await db.add('Bob', 'bob pw');
  await db.add('carol', 'carol pw', { disabled: true });
  return db;
}

describe('openUserDatabase', () => {
  it('creates a missing file with mode 0600 only when asked', async () => {
    await expect(open()).rejects.toMatchObject({ code: 'ENOENT' });
    const db = await open({ create: true });
    expect(db.list()).toEqual([]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^# Poplar users file/);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o602])('refuses a file with mode %s', async (mode) => {
    await writeFile(file, '', { mode: 0o600 });
    await chmod(file, mode);
    const err = await open().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain(`mode 0${mode.toString(8)}`);
    expect((err as Error).message).toContain('chmod 600');
  });

  it('refuses a symbolic link and a directory', async () => {
    await writeFile(file, '', { mode: 0o600 });
    await symlink(file, join(dir, 'link'));
    await expect(openUserDatabase(join(dir, 'link'))).rejects.toThrow(/symbolic link/);
    await expect(openUserDatabase(dir)).rejects.toThrow(/not a regular file/);
  });

  it('reports the file and line of a bad entry', async () => {
    await writeFile(file, '# users\nalice:nonsense\n', { mode: 0o600 });
    await expect(open()).rejects.toThrow(`${file}:2: user alice: password hash must be`);
  });

  it('refuses a key of the wrong size and bad hash settings', async () => {
    await expect(open({ create: true, ntKey: new Uint8Array(16) })).rejects.toThrow(RangeError);
    await expect(open({ create: true, hashSettings: { scheme: 'scrypt', N: 3, r: 8, p: 1 } })).rejects.toThrow(
      /power of two/,
    );
  });
});

describe('editing', () => {
  it('writes a file that another instance reads back the same', async () => {
    const db = await seeded();
    const again = await open();
    expect(again.list()).toEqual(db.list());
    expect(again.list()).toEqual([
      { user: 'alice', disabled: false, ntlm: true, maildir: '/var/mail/alice', scheme: 'scrypt' },
      { user: 'Bob', disabled: false, ntlm: false, scheme: 'scrypt' },
      { user: 'carol', disabled: true, ntlm: false, scheme: 'scrypt' },
    ]);
    expect(await again.checkPassword('alice', 'alice pw')).toBe('alice');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps comments, leaves no temporary files and never writes a password', async () => {
    await writeFile(file, '# managed by hand\n\n', { mode: 0o600 });
    const db = await open();
    await db.add('alice', 'Sekrit-123', { ntlm: true });
    await db.setDisabled('alice', true);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# managed by hand\n\nalice:scrypt$N=1024,r=8,p=1$')).toBe(true);
    expect(text).toContain(':flags=disabled\n');
    expect(text).not.toContain('Sekrit');
    expect(text).not.toContain(Buffer.from(ntHash('Sekrit-123')).toString('base64').slice(0, 12));
    expect(await readdir(dir)).toEqual(['users']);
  });

  it('refuses duplicate and hostile names', async () => {
    const db = await seeded();
    await expect(db.add('ALICE', 'x')).rejects.toThrow(/already exists/);
    for (const name of ['', '.', '..', '../etc', 'a/b', 'a:b', 'a\nb', '-x', 'ä', 'x'.repeat(65)]) {
      await expect(db.add(name, 'x')).rejects.toThrow(/invalid user name/);
    }
    expect(db.list()).toHaveLength(3);
  });

  it('refuses unusable passwords and maildir paths', async () => {
    const db = await seeded();
    await expect(db.add('dave', '')).rejects.toThrow(/SASLprep/);
    await expect(db.add('dave', 'a\u0007b')).rejects.toThrow(/SASLprep/);
    await expect(db.add('dave', 'x'.repeat(256))).rejects.toThrow(/255 octets/);
    await expect(db.add('dave', 'pw', { maildir: '/a\nb' })).rejects.toThrow(/control character/);
    expect(db.get('dave')).toBeUndefined();
  });

  it('changes passwords, NTLM, disabled state and removes users', async () => {
    const db = await seeded();
    await db.setPassword('ALICE', 'new pw');
    expect(await db.checkPassword('alice', 'alice pw')).toBeNull();
    expect(await db.checkPassword('alice', 'new pw')).toBe('alice');
    expect((await db.ntlmAccount('alice'))?.ntHash).toEqual(ntHash('new pw'));

    await db.setPassword('alice', 'newer pw', { ntlm: false });
    expect(db.get('alice')?.ntlm).toBe(false);
    await db.setPassword('bob', 'bob ntlm', { ntlm: true });
    expect((await db.ntlmAccount('bob'))?.ntHash).toEqual(ntHash('bob ntlm'));

    await db.setDisabled('carol', false);
    expect(await db.checkPassword('carol', 'carol pw')).toBe('carol');
    await db.remove('carol');
    expect(db.get('carol')).toBeUndefined();
    expect((await open()).get('carol')).toBeUndefined();

    await expect(db.remove('carol')).rejects.toThrow(/no such user: carol/);
    await expect(db.setDisabled('../x', true)).rejects.toThrow(/no such user: \(invalid name\)/);
    await expect(db.setPassword('nobody', 'x')).rejects.toThrow(/no such user/);
  });

  it('refuses NTLM accounts without a key', async () => {
    await seeded();
    const keyless = await openUserDatabase(file, { hashSettings: FAST });
    await expect(keyless.add('dave', 'pw', { ntlm: true })).rejects.toThrow(/no NT key/);
    await expect(keyless.ntlmAccount('alice')).rejects.toThrow(/no NT key/);
    expect(await keyless.checkPassword('alice', 'alice pw')).toBe('alice');
    expect(keyless.get('dave')).toBeUndefined();
  });

  it('serialises concurrent edits in one process', async () => {
    const db = await open({ create: true });
    await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => db.add(u, `${u} pw`)));
    expect(
      (await open())
        .list()
        .map((u) => u.user)
        .sort(),
    ).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('keeps edits made through another instance', async () => {
    const a = await seeded();
    const b = await open();
    await a.add('dave', 'dave pw');
    await b.add('erin', 'erin pw');
    expect((await open()).list().map((u) => u.user)).toEqual(['alice', 'Bob', 'carol', 'dave', 'erin']);
  });
});

describe('reload', () => {
  it('picks up changes and keeps the old contents when the new file is bad', async () => {
    const db = await seeded();
    const other = await open();
    await other.remove('Bob');
    expect(db.get('bob')).toBeDefined();
    await db.reload();
    expect(db.get('bob')).toBeUndefined();

    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}bad line\n`);
    await expect(db.reload()).rejects.toThrow(`${file}:`);
    expect(db.get('alice')).toBeDefined();

    await chmod(file, 0o644);
    await expect(db.reload()).rejects.toThrow(/chmod 600/);
    expect(db.get('alice')).toBeDefined();
  });
});

describe('lookups', () => {
  it('finds users without regard to case and answers with the canonical name', async () => {
    const db = await seeded();
    expect(db.get('BOB')?.user).toBe('Bob');
    expect(await db.checkPassword('bob', 'bob pw')).toBe('Bob');
    expect(db.mailboxFor('Alice')).toBe('/var/mail/alice');
    expect(db.mailboxFor('Bob')).toBeUndefined();
    expect(db.mailboxFor('../alice')).toBeUndefined();
    expect(db.get('a\u0000lice')).toBeUndefined();
  });

  it('compares SASLprep-ed passwords', async () => {
    const db = await seeded();
    await db.add('dave', 'I\u00adX\u00a0\uff21'); // soft hyphen vanishes, NBSP becomes a space, fullwidth A is A
    expect(await db.checkPassword('dave', 'IX A')).toBe('dave');
    expect(await db.checkPassword('dave', 'I\u00adX\u00a0\uff21')).toBe('dave');
    expect(await db.checkPassword('dave', 'IX\u0007A')).toBeNull();
  });
});

describe('checkPassword does the same work for every failure', () => {
  it('runs the KDF exactly once with the same cost for every outcome', async () => {
    const db = await seeded();
    kdf.calls.length = 0;
    const cases: [string, string, string | null][] = [
      ['alice', 'alice pw', 'alice'],
      ['alice', 'wrong', null],
      ['nobody', 'alice pw', null],
      ['carol', 'carol pw', null],
      ['../../etc/passwd', 'x', null],
      ['a'.repeat(1000), 'x', null],
      ['alice', 'alice\u0000pw', null],
      ['alice', '', null],
    ];
    for (const [user, password, expected] of cases) {
      const before = kdf.calls.length;
      expect(await db.checkPassword(user, password)).toBe(expected);
      expect(kdf.calls.slice(before)).toEqual([{ fn: 'scrypt', cost: { N: 1024, r: 8, p: 1 }, length: 32 }]);
    }
  });

  it('checks unknown users against the configured scheme while the file has no users', async () => {
    const db = await open({ create: true, hashSettings: { scheme: 'pbkdf2-sha256', iterations: 2000 } });
    expect(await db.checkPassword('nobody', 'nope')).toBeNull();
    expect(kdf.calls).toEqual([{ fn: 'pbkdf2-sha256', cost: 2000, length: 32 }]);
  });
});

describe('decoys for unknown users follow the users in the file', () => {
  // Drepper's spec vector and a Dovecot PBKDF2 hash of "Hello world!", as imported from Dovecot.
  const CRYPT = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
  const crypt16 = (name: string) => `${name}:{SHA512-CRYPT}${CRYPT.replace('saltstring', 'saltstringsalt16')}`;

  async function write(lines: readonly string[]): Promise<void> {
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }

  /** The KDF calls that checking `user` costs; the check must fail. */
  async function costOf(db: Awaited<ReturnType<typeof open>>, user: string): Promise<unknown[]> {
    const before = kdf.calls.length;
    expect(await db.checkPassword(user, 'wrong password')).toBeNull();
    return kdf.calls.slice(before);
  }

  it('gives unknown users the cost of imported users, not that of hashSettings', async () => {
    await write([crypt16('alice'), crypt16('bob'), `${crypt16('carol')}:flags=disabled`]);
    // Default hashSettings: scrypt N=16384. A decoy of that cost would tell unknown users from these.
    const db = await openUserDatabase(file);
    const sha512crypt = [{ fn: 'sha512-crypt', cost: { rounds: 5000, salt: 16 }, length: 64 }];
    for (const user of ['alice', 'carol', 'nobody', 'Nobody', 'x'.repeat(100)]) {
      expect(await costOf(db, user)).toEqual(sha512crypt);
    }
  });

  it('spreads unknown names over the costs in the file as the users are spread, each name keeping its own', async () => {
    const scrypt = await hashPassword('pw', FAST);
    const pbkdf2 = await hashPassword('pw', { scheme: 'pbkdf2-sha1', rounds: 1000 });
    expect(pbkdf2).toMatch(/^\{PBKDF2\}\$1\$[./0-9A-Za-z]{16}\$1000\$[0-9a-f]{40}$/);
    await write(['u1', 'u2', 'u3'].map((user) => `${user}:${scrypt}`).concat(`u4:${pbkdf2}`));
    const db = await open(); // hashSettings: the same scrypt
    const SCRYPT = { fn: 'scrypt', cost: { N: 1024, r: 8, p: 1 }, length: 32 };
    const PBKDF2 = { fn: 'pbkdf2-sha1', cost: 1000, length: 20 };
    expect(await costOf(db, 'u1')).toEqual([SCRYPT]);
    expect(await costOf(db, 'u4')).toEqual([PBKDF2]);

    const names = Array.from({ length: 300 }, (_, i) => `unknown${i}`);
    const costs = new Map<string, unknown>();
    for (const name of names) {
      const calls = await costOf(db, name);
      expect(calls).toHaveLength(1);
      expect([SCRYPT, PBKDF2]).toContainEqual(calls[0]);
      costs.set(name, calls[0]);
    }
    // A quarter of the users have PBKDF2: expect 75 of 300 names (sd 7.5); the bounds are 4 sd away.
    const pbkdf2Names = names.filter((name) => (costs.get(name) as { fn: string }).fn === 'pbkdf2-sha1');
    expect(pbkdf2Names.length).toBeGreaterThan(45);
    expect(pbkdf2Names.length).toBeLessThan(105);
    for (const name of names.slice(0, 20)) {
      expect(await costOf(db, name.toUpperCase())).toEqual([costs.get(name)]);
    }

    // Recomputed on reload, and after edits.
    await write([`u4:${pbkdf2}`, `u5:${pbkdf2}`]);
    await db.reload();
    for (const name of names.slice(0, 20)) expect(await costOf(db, name)).toEqual([PBKDF2]);
    await db.add('u6', 'u6 pw');
    await db.remove('u4');
    await db.remove('u5');
    for (const name of names.slice(0, 20)) expect(await costOf(db, name)).toEqual([SCRYPT]);
  });
});

describe('ntlmAccount', () => {
  it('decrypts the NT hash of an NTLM user', async () => {
    const db = await seeded();
    const account = await db.ntlmAccount('ALICE');
    expect(account).toEqual({ user: 'alice', ntHash: ntHash('alice pw') });
  });

  it('is null for unknown, disabled and non-NTLM users', async () => {
    const db = await seeded();
    expect(await db.ntlmAccount('nobody')).toBeNull();
    expect(await db.ntlmAccount('Bob')).toBeNull();
    expect(await db.ntlmAccount('../alice')).toBeNull();
    await db.setDisabled('alice', true);
    expect(await db.ntlmAccount('alice')).toBeNull();
  });

  it('fails loudly with the wrong key', async () => {
    await seeded();
    const wrong = await open({ ntKey: parseNtKey(generateNtKey()) });
    await expect(wrong.ntlmAccount('alice')).rejects.toThrow(/wrong NT key or damaged entry/);
  });
});
