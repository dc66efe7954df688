/**
 * Scheme-tagged password hashes:
 *
 *   scrypt$N=16384,r=8,p=1$<salt>$<hash>
 *   pbkdf2-sha256$i=600000$<salt>$<hash>
 *   $6$[rounds=N$]<salt>$<hash>                    sha512-crypt, as crypt(3) writes it (see sha512-crypt.ts)
 *   {PBKDF2}$1$<salt>$<rounds>$<hex>                pbkdf2-sha1, as Dovecot writes it (see dovecot-pbkdf2.ts)
 *
 * For the first two, salt and hash are unpadded base64. sha512-crypt hashes are also read with Dovecot's scheme
 * prefix, {SHA512-CRYPT}$6$... or {CRYPT}$6$..., and written without it. Every KDF runs off the main thread (libuv's
 * thread pool, or worker threads for sha512-crypt), so a login never blocks the event loop. Parameters read from a
 * file are bounded, so a damaged or hostile entry cannot ask for gigabytes of memory or minutes of CPU.
 */
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import {
  DOVECOT_PBKDF2_DEFAULT_ROUNDS,
  DOVECOT_PBKDF2_KEY_BYTES,
  formatDovecotPbkdf2,
  isDovecotPbkdf2,
  parseDovecotPbkdf2,
} from './dovecot-pbkdf2.js';
import {
  formatSha512Crypt,
  parseSha512Crypt,
  randomCryptSalt,
  SHA512_CRYPT_DEFAULT_ROUNDS,
  SHA512_CRYPT_MAX_PASSWORD,
  SHA512_CRYPT_MIN_ROUNDS,
  sha512CryptDigest,
} from './sha512-crypt.js';

export interface ScryptSettings {
  readonly scheme: 'scrypt';
  /** CPU/memory cost, a power of two. Memory used is 128 * N * r bytes. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface Pbkdf2Settings {
  readonly scheme: 'pbkdf2-sha256';
  readonly iterations: number;
}

/** crypt(3)'s SHA-512 scheme, for hashes imported from Dovecot or /etc/shadow. */
export interface Sha512CryptSettings {
  readonly scheme: 'sha512-crypt';
  /** SHA-512 rounds, 1000..1000000. Absent: the scheme's default of 5000, and no rounds= field is written. */
  readonly rounds?: number;
}

/** PBKDF2-HMAC-SHA1 in Dovecot's {PBKDF2} format, for hashes made by Dovecot and to compare with it on equal terms. */
export interface Pbkdf2Sha1Settings {
  readonly scheme: 'pbkdf2-sha1';
  /** Iterations, 1..10000000. Absent: Dovecot's default of 5000. */
  readonly rounds?: number;
}

export type HashSettings = ScryptSettings | Pbkdf2Settings | Sha512CryptSettings | Pbkdf2Sha1Settings;

/** scrypt with 16 MiB of memory per hash: about 50 ms on a current core. */
export const DEFAULT_HASH_SETTINGS: HashSettings = Object.freeze({ scheme: 'scrypt', N: 16384, r: 8, p: 1 });

export interface PasswordHash {
  readonly settings: HashSettings;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/** Salt of fresh hashes: 16 random bytes, or for the crypt-style schemes 16 characters (96 bits), as Dovecot makes. */
const SALT_LENGTH = 16;
/** Bytes of hash kept: sha512-crypt keeps the whole SHA-512 digest, Dovecot's PBKDF2 one SHA-1 block. */
const HASH_BYTES: Readonly<Record<HashSettings['scheme'], number>> = {
  scrypt: 32,
  'pbkdf2-sha256': 32,
  'sha512-crypt': 64,
  'pbkdf2-sha1': DOVECOT_PBKDF2_KEY_BYTES,
};
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** Poplar's own cap, far below the spec's 999999999: a million rounds already cost seconds of CPU per login. */
const MAX_CRYPT_ROUNDS = 1_000_000;

/** Why `settings` is out of bounds, or null when they are usable. */
export function checkHashSettings(settings: HashSettings): string | null {
  if (settings.scheme === 'scrypt') {
    const { N, r, p } = settings;
    if (!Number.isInteger(N) || N < 2 || N > 2 ** 24 || (N & (N - 1)) !== 0) return 'N must be a power of two';
    if (!Number.isInteger(r) || r < 1 || r > 32) return 'r must be 1..32';
    if (!Number.isInteger(p) || p < 1 || p > 16) return 'p must be 1..16';
    if (128 * N * r > MAX_SCRYPT_MEMORY) return 'N * r needs more than 256 MiB';
    return null;
  }
  if (settings.scheme === 'pbkdf2-sha256') {
    const { iterations } = settings;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      return `iterations must be 1..${MAX_PBKDF2_ITERATIONS}`;
    }
    return null;
  }
  if (settings.scheme === 'sha512-crypt') {
    const { rounds = SHA512_CRYPT_DEFAULT_ROUNDS } = settings;
    if (!Number.isInteger(rounds) || rounds < SHA512_CRYPT_MIN_ROUNDS || rounds > MAX_CRYPT_ROUNDS) {
      return `rounds must be ${SHA512_CRYPT_MIN_ROUNDS}..${MAX_CRYPT_ROUNDS}`;
    }
    return null;
  }
  if (settings.scheme === 'pbkdf2-sha1') {
    const { rounds = DOVECOT_PBKDF2_DEFAULT_ROUNDS } = settings;
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_PBKDF2_ITERATIONS) {
      return `rounds must be 1..${MAX_PBKDF2_ITERATIONS}`;
    }
    return null;
  }
  return 'unknown scheme';
}

/**
 * What verifying against `hash` costs, as a string: hashes with equal strings take equal work for a given password.
 * The work depends on the settings (a missing rounds= counts as its default) and the lengths of salt and hash.
 */
export function hashCost({ settings, salt, hash }: PasswordHash): string {
  const defaultRounds =
    settings.scheme === 'sha512-crypt' ? SHA512_CRYPT_DEFAULT_ROUNDS : DOVECOT_PBKDF2_DEFAULT_ROUNDS;
  const params =
    settings.scheme === 'scrypt'
      ? `N=${settings.N},r=${settings.r},p=${settings.p}`
      : settings.scheme === 'pbkdf2-sha256'
        ? `i=${settings.iterations}`
        : `rounds=${settings.rounds ?? defaultRounds}`;
  return `${settings.scheme} ${params} salt=${salt.length} hash=${hash.length}`;
}

/** Whether the scheme can hash `secret` at all: crypt(3) implementations refuse passwords over 511 octets. */
function accepts(settings: HashSettings, secret: Uint8Array): boolean {
  return settings.scheme !== 'sha512-crypt' || secret.length <= SHA512_CRYPT_MAX_PASSWORD;
}

function derive(settings: HashSettings, secret: Buffer, salt: Uint8Array, length: number): Promise<Uint8Array> {
  if (settings.scheme === 'sha512-crypt') {
    return sha512CryptDigest(secret, salt, settings.rounds ?? SHA512_CRYPT_DEFAULT_ROUNDS);
  }
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, key: Buffer): void => (err ? reject(err) : resolve(key));
    if (settings.scheme === 'scrypt') {
      const { N, r, p } = settings;
      scrypt(secret, salt, length, { N, r, p, maxmem: 2 * 128 * N * r }, done);
    } else if (settings.scheme === 'pbkdf2-sha1') {
      pbkdf2(secret, salt, settings.rounds ?? DOVECOT_PBKDF2_DEFAULT_ROUNDS, length, 'sha1', done);
    } else {
      pbkdf2(secret, salt, settings.iterations, length, 'sha256', done);
    }
  });
}

export function formatPasswordHash({ settings, salt, hash }: PasswordHash): string {
  if (settings.scheme === 'sha512-crypt') {
    return formatSha512Crypt(settings.rounds === undefined ? { salt, hash } : { rounds: settings.rounds, salt, hash });
  }
  if (settings.scheme === 'pbkdf2-sha1') {
    return formatDovecotPbkdf2({ rounds: settings.rounds ?? DOVECOT_PBKDF2_DEFAULT_ROUNDS, salt, hash });
  }
  const params =
    settings.scheme === 'scrypt'
      ? `scrypt$N=${settings.N},r=${settings.r},p=${settings.p}`
      : `pbkdf2-sha256$i=${settings.iterations}`;
  return `${params}$${encodeBase64(salt)}$${encodeBase64(hash)}`;
}

const INTEGER = /^[1-9][0-9]{0,9}$/;

/** Parses `k1=v1,k2=v2` where every key in `keys` appears exactly once and nothing else does. */
function parseParams(text: string, keys: readonly string[]): Map<string, number> | null {
  const params = new Map<string, number>();
  for (const part of text.split(',')) {
    const [key = '', value = '', extra] = part.split('=');
    if (extra !== undefined || !keys.includes(key) || params.has(key) || !INTEGER.test(value)) return null;
    params.set(key, Number(value));
  }
  return params.size === keys.length ? params : null;
}

function parseSettings(scheme: string, params: string): HashSettings | string {
  if (scheme === 'scrypt') {
    const p = parseParams(params, ['N', 'r', 'p']);
    return p ? { scheme, N: p.get('N')!, r: p.get('r')!, p: p.get('p')! } : 'scrypt parameters must be N=..,r=..,p=..';
  }
  if (scheme === 'pbkdf2-sha256') {
    const p = parseParams(params, ['i']);
    return p ? { scheme, iterations: p.get('i')! } : 'pbkdf2-sha256 parameters must be i=..';
  }
  return 'unknown password hash scheme';
}

// Dovecot's tags for crypt(3) hashes; {CRYPT} hands the hash to crypt(3), which reads "$6$" as SHA512-CRYPT.
const DOVECOT_PREFIX = /^\{(?:SHA512-CRYPT|CRYPT)\}/i;

function checked(hash: PasswordHash): PasswordHash {
  const problem = checkHashSettings(hash.settings);
  if (problem) throw new Error(`${hash.settings.scheme}: ${problem}`);
  return hash;
}

/** `$6$...`, optionally with a Dovecot prefix, or Dovecot's `{PBKDF2}...`. */
function parseForeignHash(text: string): PasswordHash {
  if (isDovecotPbkdf2(text)) {
    const { rounds, salt, hash } = parseDovecotPbkdf2(text);
    return checked({ settings: { scheme: 'pbkdf2-sha1', rounds }, salt, hash });
  }
  const crypt = text.replace(DOVECOT_PREFIX, '');
  if (crypt.startsWith('{')) {
    throw new Error('of the Dovecot schemes only {SHA512-CRYPT}, {CRYPT} with $6$, and {PBKDF2} are supported');
  }
  if (!crypt.startsWith('$6$')) throw new Error('of the crypt(3) schemes only $6$ (sha512-crypt) is supported');
  const { rounds, salt, hash } = parseSha512Crypt(crypt);
  const settings: Sha512CryptSettings =
    rounds === undefined ? { scheme: 'sha512-crypt' } : { scheme: 'sha512-crypt', rounds };
  return checked({ settings, salt, hash });
}

/** Parses an encoded hash. Throws an Error whose message never contains the hash itself. */
export function parsePasswordHash(text: string): PasswordHash {
  if (text.startsWith('$') || text.startsWith('{')) return parseForeignHash(text);
  const parts = text.split('$');
  if (parts.length !== 4) throw new Error('password hash must be scheme$params$salt$hash');
  const [scheme = '', params = '', saltText = '', hashText = ''] = parts;
  const settings = parseSettings(scheme, params);
  if (typeof settings === 'string') throw new Error(settings);
  const problem = checkHashSettings(settings);
  if (problem) throw new Error(`${scheme}: ${problem}`);
  const salt = decodeBase64(saltText);
  if (!salt || salt.length < 8 || salt.length > 64) throw new Error('salt must be 8..64 bytes of base64');
  const hash = decodeBase64(hashText);
  if (!hash || hash.length < 16 || hash.length > 64) throw new Error('hash must be 16..64 bytes of base64');
  return { settings, salt, hash };
}

/** The crypt-style formats keep their salts as text; crypt(3) and Dovecot both draw them from the crypt alphabet. */
const freshSalt = (settings: HashSettings, length = SALT_LENGTH): Uint8Array =>
  settings.scheme === 'sha512-crypt' || settings.scheme === 'pbkdf2-sha1'
    ? randomCryptSalt(length)
    : randomBytes(length);

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, settings: HashSettings = DEFAULT_HASH_SETTINGS): Promise<string> {
  const problem = checkHashSettings(settings);
  if (problem) throw new RangeError(`invalid hash settings: ${problem}`);
  const secret = Buffer.from(password, 'utf8');
  if (!accepts(settings, secret)) {
    throw new RangeError(`sha512-crypt takes passwords of at most ${SHA512_CRYPT_MAX_PASSWORD} octets`);
  }
  const salt = freshSalt(settings);
  const hash = await derive(settings, secret, salt, HASH_BYTES[settings.scheme]);
  return formatPasswordHash({ settings, salt, hash });
}

/**
 * Runs the KDF once and compares in constant time. A password the scheme cannot hash (sha512-crypt: over 511 octets)
 * matches nothing and costs nothing. Rejects only when the KDF itself fails.
 */
export async function verifyPassword(password: string, stored: PasswordHash | string): Promise<boolean> {
  const { settings, salt, hash } = typeof stored === 'string' ? parsePasswordHash(stored) : stored;
  const secret = Buffer.from(password, 'utf8');
  if (!accepts(settings, secret)) return false;
  const derived = await derive(settings, secret, salt, hash.length);
  return timingSafeEqual(derived, hash);
}

/** A hash that matches no password, costing the same work as a real one made with `settings`. */
export function decoyPasswordHash(settings: HashSettings = DEFAULT_HASH_SETTINGS): PasswordHash {
  return { settings, salt: freshSalt(settings), hash: randomBytes(HASH_BYTES[settings.scheme]) };
}

/** A hash that matches no password and costs what verifying against `like` costs (the same hashCost). */
export function decoyLike({ settings, salt, hash }: PasswordHash): PasswordHash {
  return { settings, salt: freshSalt(settings, salt.length), hash: randomBytes(hash.length) };
}
