import { describe, expect, it } from 'vitest';
import {
  checkHashSettings,
  decoyPasswordHash,
  formatPasswordHash,
  type HashSettings,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from './password-hash.js';

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
