import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  checkHashSettings,
  DEFAULT_HASH_SETTINGS,
  decoyPasswordHash,
  formatPasswordHash,
  type HashSettings,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from './password-hash.js';
import { openUserDatabase } from './user-database.js';
import { parseUsersFile, UsersFileError } from './users-file.js';

// Records what each sha512-crypt digest costs (the work depends only on these three numbers); the digest still runs.
const digests = vi.hoisted(() => [] as { password: number; salt: number; rounds: number }[]);
vi.mock('./sha512-crypt.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./sha512-crypt.js')>();
  return {
    ...original,
    sha512CryptDigest: (password: Uint8Array, salt: Uint8Array, rounds: number) => {
      digests.push({ password: password.length, salt: salt.length, rounds });
      return original.sha512CryptDigest(password, salt, rounds);
    },
  };
});

const FAST: HashSettings = { scheme: 'scrypt', N: 1024, r: 8, p: 1 };
const FAST_PBKDF2: HashSettings = { scheme: 'pbkdf2-sha256', iterations: 1000 };

describe('hashPassword / verifyPassword', () => {
  it.each([FAST, FAST_PBKDF2])('round-trips with %o', async (settings) => {
    const encoded = await hashPassword('correct horse', settings);
    expect(encoded.startsWith(`${settings.scheme}$`)).toBe(true);
    expect(await verifyPassword('correct horse', encoded)).toBe(true);
    expect(await verifyPassword('correct horsE', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', FAST)).not.toBe(await hashPassword('same', FAST));
  });

  it('uses scrypt N=16384, r=8, p=1 by default', async () => {
    const encoded = await hashPassword('pw');
    expect(encoded).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('pw', encoded)).toBe(true);
  });

  it('matches the RFC 7914 scrypt vector', async () => {
    const hash = Buffer.from(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
      'hex',
    );
    const settings: HashSettings = { scheme: 'scrypt', N: 1024, r: 8, p: 16 };
    expect(await verifyPassword('password', { settings, salt: Buffer.from('NaCl'), hash })).toBe(true);
  });

  it('matches the RFC 7914 PBKDF2-HMAC-SHA256 vector', async () => {
    const hash = Buffer.from(
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
      'hex',
    );
    const settings: HashSettings = { scheme: 'pbkdf2-sha256', iterations: 1 };
    expect(await verifyPassword('passwd', { settings, salt: Buffer.from('salt'), hash })).toBe(true);
  });

  it('refuses settings out of bounds', async () => {
    await expect(hashPassword('pw', { scheme: 'scrypt', N: 1000, r: 8, p: 1 })).rejects.toThrow(/power of two/);
    expect(checkHashSettings({ scheme: 'scrypt', N: 2 ** 20, r: 8, p: 1 })).toMatch(/256 MiB/);
    expect(checkHashSettings({ scheme: 'scrypt', N: 1024, r: 0, p: 1 })).toMatch(/r must/);
    expect(checkHashSettings({ scheme: 'scrypt', N: 1024, r: 8, p: 17 })).toMatch(/p must/);
    expect(checkHashSettings({ scheme: 'pbkdf2-sha256', iterations: 0 })).toMatch(/iterations/);
    expect(checkHashSettings({ scheme: 'pbkdf2-sha256', iterations: 1.5 })).toMatch(/iterations/);
  });

  it('makes decoys that match nothing but cost the same', async () => {
    const decoy = decoyPasswordHash(FAST);
    expect(decoy.settings).toEqual(FAST);
    expect(await verifyPassword('', decoy)).toBe(false);
  });
});

describe('parsePasswordHash', () => {
  it('round-trips through formatPasswordHash', async () => {
    const encoded = await hashPassword('pw', FAST_PBKDF2);
    expect(formatPasswordHash(parsePasswordHash(encoded))).toBe(encoded);
  });

  const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
  const hash = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
  it.each([
    ['', /scheme\$params\$salt\$hash/],
    ['plain$x$y$z', /unknown password hash scheme/],
    [`scrypt$N=1024,r=8$${salt}$${hash}`, /N=..,r=..,p=../],
    [`scrypt$N=1024,r=8,p=1,x=2$${salt}$${hash}`, /N=..,r=..,p=../],
    [`scrypt$N=1024,N=1024,p=1$${salt}$${hash}`, /N=..,r=..,p=../],
    [`scrypt$N=01024,r=8,p=1$${salt}$${hash}`, /N=..,r=..,p=../],
    [`scrypt$N=1023,r=8,p=1$${salt}$${hash}`, /power of two/],
    [`scrypt$N=1048576,r=8,p=1$${salt}$${hash}`, /256 MiB/],
    [`pbkdf2-sha256$i=99999999999$${salt}$${hash}`, /i=../],
    [`pbkdf2-sha256$i=20000000$${salt}$${hash}`, /iterations/],
    [`scrypt$N=1024,r=8,p=1$c2FsdA$${hash}`, /salt must/],
    [`scrypt$N=1024,r=8,p=1$${salt}=$${hash}`, /salt must/],
    [`scrypt$N=1024,r=8,p=1$${salt}$${hash.slice(0, -1)}h`, /hash must/],
    [`scrypt$N=1024,r=8,p=1$${salt}$aGFzaA`, /hash must/],
    [`scrypt$N=1024,r=8,p=1$${salt}$${hash}$`, /scheme\$params\$salt\$hash/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePasswordHash(text)).toThrow(message);
  });

  it('never quotes the hash in its errors', () => {
    try {
      parsePasswordHash(`scrypt$N=3,r=8,p=1$${salt}$${hash}`);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain(hash);
      expect((err as Error).message).not.toContain(salt);
    }
  });
});

// Dovecot is a test dependency (.ci/run installs dovecot-core): without it these tests fail rather than skip.
const doveadm = (...args: string[]): string =>
  execFileSync('/usr/bin/doveadm', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();

// Drepper's spec vectors, in the forms Dovecot ({SHA512-CRYPT}) and /etc/shadow write them.
const HELLO = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
const HELLO_10000 =
  '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.';
const CRYPT: HashSettings = { scheme: 'sha512-crypt' };

describe('sha512-crypt', () => {
  it.each([CRYPT, { scheme: 'sha512-crypt', rounds: 1000 } as const])('round-trips with %o', async (settings) => {
    const encoded = await hashPassword('correct horse', settings);
    const rounds = settings.rounds === undefined ? '' : `rounds=${settings.rounds}\\$`;
    expect(encoded).toMatch(new RegExp(`^\\$6\\$${rounds}[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}$`));
    expect(await verifyPassword('correct horse', encoded)).toBe(true);
    expect(await verifyPassword('correct horsE', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
    expect(parsePasswordHash(encoded).settings).toEqual(settings);
  });

  it.each([
    HELLO,
    `{SHA512-CRYPT}${HELLO}`,
    `{sha512-crypt}${HELLO}`,
    `{CRYPT}${HELLO}`,
  ])('verifies %s and stores it in crypt(3) form', async (stored) => {
    expect(await verifyPassword('Hello world!', stored)).toBe(true);
    expect(await verifyPassword('Hello world?', stored)).toBe(false);
    expect(formatPasswordHash(parsePasswordHash(stored))).toBe(HELLO);
  });

  it('keeps an explicit rounds= field', async () => {
    expect(await verifyPassword('Hello world!', HELLO_10000)).toBe(true);
    expect(formatPasswordHash(parsePasswordHash(HELLO_10000))).toBe(HELLO_10000);
    const explicitDefault = HELLO.replace('$6$', '$6$rounds=5000$');
    expect(await verifyPassword('Hello world!', explicitDefault)).toBe(true);
    expect(formatPasswordHash(parsePasswordHash(explicitDefault))).toBe(explicitDefault);
  });

  it('bounds rounds at 1000..1000000 and passwords at 511 octets', async () => {
    expect(checkHashSettings({ scheme: 'sha512-crypt', rounds: 999 })).toMatch(/rounds must be 1000\.\.1000000/);
    expect(checkHashSettings({ scheme: 'sha512-crypt', rounds: 1_000_001 })).toMatch(/rounds must/);
    expect(checkHashSettings({ scheme: 'sha512-crypt', rounds: 5000.5 })).toMatch(/rounds must/);
    expect(checkHashSettings({ scheme: 'sha512-crypt', rounds: 1_000_000 })).toBeNull();
    await expect(hashPassword('pw', { scheme: 'sha512-crypt', rounds: 10 })).rejects.toThrow(RangeError);
    expect(() => parsePasswordHash(HELLO_10000.replace('10000', '2000000'))).toThrow(/rounds must be 1000\.\.1000000/);
    await expect(hashPassword('x'.repeat(512), CRYPT)).rejects.toThrow(/at most 511 octets/);
    expect(await hashPassword('\u00e9'.repeat(255), CRYPT)).toMatch(/^\$6\$/);
    digests.length = 0;
    expect(await verifyPassword('x'.repeat(512), HELLO)).toBe(false);
    expect(digests).toEqual([]);
  });

  const [, , salt = '', hash = ''] = HELLO.split('$');
  it.each([
    [`$1$saltsalt$qjXMvbEw8oaL.CzflDugX/`, /only \$6\$ \(sha512-crypt\)/],
    [`$2b$10$${hash.slice(0, 53)}`, /only \$6\$ \(sha512-crypt\)/],
    [`$y$j9T$${salt}$${hash.slice(0, 43)}`, /only \$6\$ \(sha512-crypt\)/],
    [`{SHA512-CRYPT}$5$${salt}$${hash.slice(0, 43)}`, /only \$6\$ \(sha512-crypt\)/],
    [`{SSHA512}${hash}`, /Dovecot schemes only \{SHA512-CRYPT\}/],
    [`{SHA512-CRYPT.b64}${HELLO}`, /Dovecot schemes only \{SHA512-CRYPT\}/],
    [`{SHA512-CRYPT}{SHA512-CRYPT}${HELLO}`, /Dovecot schemes only \{SHA512-CRYPT\}/],
    [` ${HELLO}`, /unknown password hash scheme/],
    [`$6$${salt}$${hash.slice(0, -1)}`, /sha512-crypt hash must be/],
    [`$6$rounds=500$${salt}$${hash}`, /sha512-crypt hash must be/],
    [`$6$${salt}x${salt}$${hash}`, /sha512-crypt hash must be/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePasswordHash(text)).toThrow(message);
    expect(() => parsePasswordHash(text)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(hash) }),
    );
  });

  it('makes decoys that match nothing but cost what a real hash costs', async () => {
    const real = parsePasswordHash(await hashPassword('pw', CRYPT));
    const decoy = decoyPasswordHash(CRYPT);
    expect(decoy.settings).toEqual(CRYPT);
    expect([decoy.salt.length, decoy.hash.length]).toEqual([real.salt.length, real.hash.length]);
    expect(formatPasswordHash(decoy)).toMatch(/^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    digests.length = 0;
    expect(await verifyPassword('pw', decoy)).toBe(false);
    expect(await verifyPassword('pw', real)).toBe(true);
    expect(digests).toEqual([
      { password: 2, salt: 16, rounds: 5000 },
      { password: 2, salt: 16, rounds: 5000 },
    ]);
  });

  describe('with Dovecot (doveadm pw)', () => {
    it('verifies what doveadm makes', async () => {
      for (const rounds of [[], ['-r', '7000']]) {
        const stored = doveadm('pw', '-s', 'SHA512-CRYPT', ...rounds, '-p', 'pässword 1');
        expect(stored).toMatch(/^\{SHA512-CRYPT\}\$6\$/);
        expect(await verifyPassword('pässword 1', stored)).toBe(true);
        expect(await verifyPassword('pässword 2', stored)).toBe(false);
      }
    });

    it('makes what doveadm verifies', async () => {
      for (const settings of [CRYPT, { scheme: 'sha512-crypt', rounds: 7000 } as const]) {
        const stored = await hashPassword('pässword 1', settings);
        expect(doveadm('pw', '-t', `{SHA512-CRYPT}${stored}`, '-p', 'pässword 1')).toMatch(/\(verified\)/);
        expect(() => doveadm('pw', '-t', stored, '-p', 'pässword 2')).toThrow();
      }
    });
  });
});

// RFC 6070's PBKDF2-HMAC-SHA1 vectors for "password" and "salt", in Dovecot's format.
const RFC6070: readonly (readonly [number, string])[] = [
  [1, '0c60c80f961f0e71f3a9b524af6012062fe037a6'],
  [2, 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957'],
  [4096, '4b007901b765489abead49d926f721d065a429c1'],
];
const PBKDF2: HashSettings = { scheme: 'pbkdf2-sha1' };

describe('pbkdf2-sha1 (Dovecot {PBKDF2})', () => {
  it.each(RFC6070)('matches the RFC 6070 vector with %i rounds', async (rounds, hex) => {
    const stored = `{PBKDF2}$1$salt$${rounds}$${hex}`;
    expect(await verifyPassword('password', stored)).toBe(true);
    expect(await verifyPassword('passwore', stored)).toBe(false);
    expect(formatPasswordHash(parsePasswordHash(stored))).toBe(stored);
    expect(parsePasswordHash(stored).settings).toEqual({ scheme: 'pbkdf2-sha1', rounds });
  });

  it('reads the tag in any case and the hash in either case of hex, and writes them as Dovecot does', async () => {
    const stored = `{pbkdf2}$1$salt$2$${RFC6070[1]![1].toUpperCase()}`;
    expect(await verifyPassword('password', stored)).toBe(true);
    expect(formatPasswordHash(parsePasswordHash(stored))).toBe(`{PBKDF2}$1$salt$2$${RFC6070[1]![1]}`);
  });

  it.each([PBKDF2, { scheme: 'pbkdf2-sha1', rounds: 1000 } as const])('round-trips with %o', async (settings) => {
    const encoded = await hashPassword('correct horse', settings);
    const rounds = settings.rounds ?? 5000;
    expect(encoded).toMatch(new RegExp(`^\\{PBKDF2\\}\\$1\\$[./0-9A-Za-z]{16}\\$${rounds}\\$[0-9a-f]{40}$`));
    expect(await verifyPassword('correct horse', encoded)).toBe(true);
    expect(await verifyPassword('correct horsE', encoded)).toBe(false);
    expect(parsePasswordHash(encoded).settings).toEqual({ scheme: 'pbkdf2-sha1', rounds });
  });

  it('bounds rounds at 1..10000000', async () => {
    expect(checkHashSettings({ scheme: 'pbkdf2-sha1', rounds: 0 })).toMatch(/rounds must be 1\.\.10000000/);
    expect(checkHashSettings({ scheme: 'pbkdf2-sha1', rounds: 10_000_001 })).toMatch(/rounds must/);
    expect(checkHashSettings({ scheme: 'pbkdf2-sha1', rounds: 2.5 })).toMatch(/rounds must/);
    expect(checkHashSettings({ scheme: 'pbkdf2-sha1', rounds: 10_000_000 })).toBeNull();
    await expect(hashPassword('pw', { scheme: 'pbkdf2-sha1', rounds: 0 })).rejects.toThrow(RangeError);
    expect(() => parsePasswordHash(`{PBKDF2}$1$salt$20000000$${RFC6070[0]![1]}`)).toThrow(
      /pbkdf2-sha1: rounds must be 1\.\.10000000/,
    );
  });

  const hex = RFC6070[0]![1];
  it.each([
    [`{PBKDF2}$2$salt$1$${hex}`, 'another format version'],
    [`{PBKDF2}$1$salt$1$${hex.slice(1)}`, 'hash one digit short'],
    [`{PBKDF2}$1$salt$1$${hex}0`, 'hash one digit long'],
    [`{PBKDF2}$1$salt$1$${hex.slice(1)}g`, 'hash not hex'],
    [`{PBKDF2}$1$salt$0$${hex}`, 'no rounds'],
    [`{PBKDF2}$1$salt$01$${hex}`, 'rounds with a leading zero'],
    [`{PBKDF2}$1$salt$$${hex}`, 'empty rounds'],
    [`{PBKDF2}$1$$1$${hex}`, 'empty salt'],
    [`{PBKDF2}$1$${'s'.repeat(65)}$1$${hex}`, 'salt of 65 characters'],
    [`{PBKDF2}$1$sa lt$1$${hex}`, 'salt with a space'],
    [`{PBKDF2}$1$sa:lt$1$${hex}`, 'salt with a colon'],
    [`{PBKDF2}$1$salt$1$${hex}$`, 'trailing $'],
    [`{PBKDF2}$1$salt$1`, 'no hash'],
  ])('refuses %s (%s)', (text) => {
    expect(() => parsePasswordHash(text)).toThrow(/PBKDF2 hash must be|rounds must/);
    expect(() => parsePasswordHash(text)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(hex) }),
    );
  });

  it('refuses Dovecot schemes other than the supported ones', () => {
    expect(() => parsePasswordHash(`{PBKDF2.b64}$1$salt$1$${hex}`)).toThrow(/\{SHA512-CRYPT\}.*\{PBKDF2\}/);
  });

  describe('with Dovecot (doveadm pw)', () => {
    it('verifies what doveadm makes', async () => {
      for (const rounds of [[], ['-r', '1000']]) {
        const stored = doveadm('pw', '-s', 'PBKDF2', ...rounds, '-p', 'pässword 1');
        expect(stored).toMatch(/^\{PBKDF2\}\$1\$[./0-9A-Za-z]{16}\$(5000|1000)\$[0-9a-f]{40}$/);
        expect(await verifyPassword('pässword 1', stored)).toBe(true);
        expect(await verifyPassword('pässword 2', stored)).toBe(false);
        expect(formatPasswordHash(parsePasswordHash(stored))).toBe(stored);
      }
    });

    it('makes what doveadm verifies', async () => {
      for (const settings of [PBKDF2, { scheme: 'pbkdf2-sha1', rounds: 1000 } as const]) {
        const stored = await hashPassword('pässword 1', settings);
        expect(doveadm('pw', '-t', stored, '-p', 'pässword 1')).toMatch(/\(verified\)/);
        expect(() => doveadm('pw', '-t', stored, '-p', 'pässword 2')).toThrow();
      }
    });
  });
});

describe('sha512-crypt in the users file', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poplar-crypt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    file = join(dir, `users-${Math.random().toString(36).slice(2)}`);
  });

  it('logs in users imported from Dovecot and /etc/shadow, and writes their hashes back in crypt(3) form', async () => {
    const lines = [
      '# imported from Dovecot and /etc/shadow',
      `alice:{SHA512-CRYPT}${HELLO}:maildir=/var/mail/alice`,
      `bob:${HELLO_10000}`,
      `carol:{SHA512-CRYPT}${HELLO}:flags=disabled`,
    ];
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    const db = await openUserDatabase(file, { hashSettings: CRYPT });
    expect(db.list().map((user) => user.scheme)).toEqual(['sha512-crypt', 'sha512-crypt', 'sha512-crypt']);
    expect(await db.checkPassword('ALICE', 'Hello world!')).toBe('alice');
    expect(await db.checkPassword('bob', 'Hello world!')).toBe('bob');
    expect(await db.checkPassword('bob', 'Hello world')).toBeNull();
    expect(await db.checkPassword('carol', 'Hello world!')).toBeNull();

    await db.add('dave', 'dave pw');
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      lines[0],
      `alice:${HELLO}:nt=:maildir=/var/mail/alice:flags=`,
      `bob:${HELLO_10000}:nt=:maildir=:flags=`,
      `carol:${HELLO}:nt=:maildir=:flags=disabled`,
      expect.stringMatching(/^dave:\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}:nt=:maildir=:flags=$/),
      '',
    ]);
    expect(await db.checkPassword('dave', 'dave pw')).toBe('dave');
  });

  it('logs in users with Dovecot PBKDF2 hashes and writes them back as they were', async () => {
    const dovecot = doveadm('pw', '-s', 'PBKDF2', '-r', '1000', '-p', 'erin pw');
    const rfc = `{PBKDF2}$1$salt$2$${RFC6070[1]![1]}`;
    await writeFile(file, `erin:${dovecot}:maildir=/var/mail/erin\nfrank:${rfc}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    const db = await openUserDatabase(file, { hashSettings: { scheme: 'pbkdf2-sha1', rounds: 1000 } });
    expect(db.list().map((user) => user.scheme)).toEqual(['pbkdf2-sha1', 'pbkdf2-sha1']);
    expect(await db.checkPassword('erin', 'erin pw')).toBe('erin');
    expect(await db.checkPassword('erin', 'erin pW')).toBeNull();
    expect(await db.checkPassword('frank', 'password')).toBe('frank');
    await db.add('gina', 'gina pw');
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `erin:${dovecot}:nt=:maildir=/var/mail/erin:flags=`,
      `frank:${rfc}:nt=:maildir=:flags=`,
    ]);
    const gina = lines[2]!.split(':')[1]!;
    expect(gina).toMatch(/^\{PBKDF2\}\$1\$[./0-9A-Za-z]{16}\$1000\$[0-9a-f]{40}$/);
    expect(doveadm('pw', '-t', gina, '-p', 'gina pw')).toMatch(/\(verified\)/);
  });

  it('costs the same digest for an unknown user, a disabled one and a wrong password', async () => {
    const db = await openUserDatabase(file, { hashSettings: CRYPT, create: true });
    await db.add('alice', 'alice pw');
    await db.add('bob', 'bob pw', { disabled: true });
    digests.length = 0;
    expect(await db.checkPassword('alice', 'guess')).toBeNull();
    expect(await db.checkPassword('bob', 'guess')).toBeNull();
    expect(await db.checkPassword('nobody', 'guess')).toBeNull();
    expect(digests).toEqual(Array(3).fill({ password: 5, salt: 16, rounds: 5000 }));
  });

  it.each([
    [`bob:{SHA512-CRYPT}${HELLO.slice(0, -1)}`, /sha512-crypt hash must be/],
    [`bob:${HELLO_10000.replace('10000', '5000000')}`, /sha512-crypt: rounds must be 1000\.\.1000000/],
    ['bob:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', /only \$6\$/],
    ['bob:{PLAIN}secret', /Dovecot schemes only/],
    [`bob:{PBKDF2}$1$salt$1$${'0'.repeat(39)}`, /PBKDF2 hash must be/],
  ])('names the file and line of a bad stored hash: %s', (line, reason) => {
    const text = `# users\nalice:${HELLO}\n${line}\n`;
    let error: unknown;
    try {
      parseUsersFile(text, '/etc/poplar/users');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsersFileError);
    expect(error).toMatchObject({ file: '/etc/poplar/users', line: 3 });
    expect((error as Error).message).toMatch(/^\/etc\/poplar\/users:3: user bob: /);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain(line.slice(4));
  });
});

describe('micro-benchmark: 100 verifications (printed, not asserted)', () => {
  async function rate(label: string, stored: string, concurrency: number): Promise<void> {
    const count = 100;
    let next = 0;
    let ok = 0;
    const cpu = process.cpuUsage(); // of every thread: the main one, libuv's pool and the sha512-crypt workers
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) if (await verifyPassword('bench pw', stored)) ok++;
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const cpuMs = (user + system) / 1000 / count;
    console.log(
      `${label}, ${concurrency} at a time: ${(count / seconds).toFixed(0)} verifications/s, ` +
        `${cpuMs.toFixed(1)} ms CPU each`,
    );
    expect(ok).toBe(count);
  }

  it(
    'sha512-crypt rounds=5000 vs pbkdf2-sha1 rounds=5000 vs scrypt N=16384,r=8,p=1',
    { timeout: 120_000 },
    async () => {
      const crypt = await hashPassword('bench pw', CRYPT);
      const pbkdf2 = await hashPassword('bench pw', PBKDF2);
      const scrypt = await hashPassword('bench pw', DEFAULT_HASH_SETTINGS);
      await verifyPassword('bench pw', crypt); // starts a worker
      await rate('sha512-crypt rounds=5000', crypt, 1);
      await rate('sha512-crypt rounds=5000', crypt, 8);
      await rate('pbkdf2-sha1 rounds=5000', pbkdf2, 8);
      await rate('scrypt N=16384,r=8,p=1', scrypt, 8);
    },
  );
});
