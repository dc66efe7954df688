import { describe, expect, it } from 'vitest';
import { encryptNtHash } from './nt-hash-cipher.js';
import { decodeUsersFile, formatUsersFile, parseUsersFile, type UserEntry, UsersFileError } from './users-file.js';

const HASH = 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const NT = encryptNtHash(new Uint8Array(32), 'alice', new Uint8Array(16));

function users(text: string): UserEntry[] {
  return parseUsersFile(text, 'users').flatMap((line) => (line.kind === 'user' ? [line.entry] : []));
}

function errorOf(text: string): UsersFileError {
  try {
    parseUsersFile(text, '/etc/poplar/users');
  } catch (err) {
    expect(err).toBeInstanceOf(UsersFileError);
    return err as UsersFileError;
  }
  throw new Error('parsed without error');
}

describe('parseUsersFile', () => {
  it('reads users, options in any order, and keeps comments and blank lines', () => {
    const text = [
      '# users',
      '',
      `alice:${HASH}:nt=${NT}:maildir=/var/mail/alice:flags=`,
      `  # indented comment`,
      `bob:${HASH}:flags=disabled:maildir=`,
      `carol@example.test:${HASH}`,
    ].join('\n');
    const lines = parseUsersFile(text, 'users');
    expect(lines.map((l) => l.kind)).toEqual(['text', 'text', 'user', 'text', 'user', 'user']);
    const [alice, bob, carol] = users(text);
    expect(alice).toMatchObject({ name: 'alice', nt: NT, maildir: '/var/mail/alice', disabled: false });
    expect(alice?.hash.settings).toEqual({ scheme: 'scrypt', N: 1024, r: 8, p: 1 });
    expect(bob).toMatchObject({ name: 'bob', disabled: true });
    expect(bob).not.toHaveProperty('maildir');
    expect(bob).not.toHaveProperty('nt');
    expect(carol).toMatchObject({ name: 'carol@example.test', disabled: false });
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    expect(users(`a:${HASH}\r\nb:${HASH}`).map((u) => u.name)).toEqual(['a', 'b']);
  });

  it('round-trips through formatUsersFile, escaping ":" and "%" in maildir paths', () => {
    const text = `# head\n\nalice:${HASH}:nt=${NT}:maildir=C%3A/mail/100%25 alice:flags=disabled\nbob:${HASH}:nt=:maildir=:flags=\n`;
    const lines = parseUsersFile(text, 'users');
    expect(users(text)[0]?.maildir).toBe('C:/mail/100% alice');
    expect(formatUsersFile(lines)).toBe(text);
    expect(formatUsersFile(parseUsersFile(formatUsersFile(lines), 'users'))).toBe(text);
  });

  it.each([
    ['.', 'invalid user name'],
    ['..', 'invalid user name'],
    ['.hidden', 'invalid user name'],
    ['-rf', 'invalid user name'],
    ['a/b', 'invalid user name'],
    ['a\\b', 'invalid user name'],
    ['al ice', 'invalid user name'],
    ['al\u0000ice', 'invalid user name'],
    ['\u00e4lice', 'invalid user name'],
    ['a'.repeat(65), 'invalid user name'],
    ['', 'invalid user name'],
  ])('refuses the user name %j', (name, message) => {
    const err = errorOf(`# ok\n${name}:${HASH}\n`);
    expect(err.line).toBe(2);
    expect(err.message).toContain(message);
  });

  it('accepts a 64-character name', () => {
    expect(users(`${'a'.repeat(64)}:${HASH}`)).toHaveLength(1);
  });

  it.each([
    [`alice:${HASH.replace('scrypt', 'md5')}`, 'unknown password hash scheme'],
    ['alice', 'password hash must be'],
    [`alice:${HASH}:shell=/bin/sh`, 'unknown field'],
    [`alice:${HASH}:nt`, 'unknown field'],
    [`alice:${HASH}:flags=:flags=`, 'flags= given twice'],
    [`alice:${HASH}:nt=AAAA`, 'not a sealed NT hash'],
    [`alice:${HASH}:maildir=/a%2Fb`, 'bad % escape'],
    [`alice:${HASH}:maildir=/a%`, 'bad % escape'],
    [`alice:${HASH}:maildir=/a\tb`, 'control character'],
    [`alice:${HASH}:flags=admin`, 'unknown flag'],
    [`alice:${HASH}:flags=disabled,`, 'unknown flag'],
    [`alice:${HASH}:${'x'.repeat(5000)}`, 'longer than 4096'],
  ])('names the line of %j', (line, message) => {
    const err = errorOf(`# one\n# two\n${line}\n`);
    expect(err.message).toMatch(/^\/etc\/poplar\/users:3: /);
    expect(err.message).toContain(message);
    expect(err).toMatchObject({ file: '/etc/poplar/users', line: 3 });
  });

  it('refuses a user defined twice, ignoring case', () => {
    const err = errorOf(`alice:${HASH}\n\nAlice:${HASH}\n`);
    expect(err.message).toBe('/etc/poplar/users:3: user Alice already defined on line 1');
  });

  it('never quotes the hash or the NT entry in an error', () => {
    const err = errorOf(`alice:${HASH.replace('N=1024', 'N=1000')}:nt=${NT}\n`);
    expect(err.message).not.toContain('c2FsdHNhbHRzYWx0c2FsdA');
    expect(err.message).not.toContain(NT);
  });
});

describe('decodeUsersFile', () => {
  it('decodes UTF-8 and drops a byte order mark', () => {
    expect(decodeUsersFile(Buffer.from(`\ufeffalice:${HASH}:maildir=/mail/jos\u00e9\n`), 'users')).toBe(
      `alice:${HASH}:maildir=/mail/jos\u00e9\n`,
    );
  });

  it('names the first line that is not UTF-8', () => {
    const bytes = Buffer.concat([
      Buffer.from(`# ok\nalice:${HASH}\nbob:${HASH}:maildir=/mail/`),
      Buffer.of(0xe9),
      Buffer.from('\n'),
    ]);
    expect(() => decodeUsersFile(bytes, '/etc/poplar/users')).toThrow('/etc/poplar/users:3: not valid UTF-8');
  });
});
