/**
 * Scheme-tagged password hashes:
 *
 *   scrypt$N=16384,r=8,p=1$<salt>$<hash>
 *   pbkdf2-sha256$i=600000$<salt>$<hash>
 *
 * salt and hash are unpadded base64. Both KDFs run asynchronously in libuv's thread pool, so a login never blocks
 * the event loop. Parameters read from a file are bounded, so a damaged or hostile entry cannot ask for gigabytes of
 * memory or minutes of CPU.
 */
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';

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

export type HashSettings = ScryptSettings | Pbkdf2Settings;

/** scrypt with 16 MiB of memory per hash: about 50 ms on a current core. */
export const DEFAULT_HASH_SETTINGS: HashSettings = Object.freeze({ scheme: 'scrypt', N: 16384, r: 8, p: 1 });

export interface PasswordHash {
  readonly settings: HashSettings;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

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
  return 'unknown scheme';
}

function derive(settings: HashSettings, password: string, salt: Uint8Array, length: number): Promise<Buffer> {
  const secret = Buffer.from(password, 'utf8');
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, key: Buffer): void => (err ? reject(err) : resolve(key));
    if (settings.scheme === 'scrypt') {
      const { N, r, p } = settings;
      scrypt(secret, salt, length, { N, r, p, maxmem: 2 * 128 * N * r }, done);
    } else {
      pbkdf2(secret, salt, settings.iterations, length, 'sha256', done);
    }
  });
}

function formatSettings(settings: HashSettings): string {
  return settings.scheme === 'scrypt'
    ? `scrypt$N=${settings.N},r=${settings.r},p=${settings.p}`
    : `pbkdf2-sha256$i=${settings.iterations}`;
}

export function formatPasswordHash(hash: PasswordHash): string {
  return `${formatSettings(hash.settings)}$${encodeBase64(hash.salt)}$${encodeBase64(hash.hash)}`;
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

/** Parses an encoded hash. Throws an Error whose message never contains the hash itself. */
export function parsePasswordHash(text: string): PasswordHash {
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

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, settings: HashSettings = DEFAULT_HASH_SETTINGS): Promise<string> {
  const problem = checkHashSettings(settings);
  if (problem) throw new RangeError(`invalid hash settings: ${problem}`);
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(settings, password, salt, HASH_BYTES);
  return formatPasswordHash({ settings, salt, hash });
}

/** Runs the KDF once and compares in constant time. Rejects only when the KDF itself fails. */
export async function verifyPassword(password: string, stored: PasswordHash | string): Promise<boolean> {
  const { settings, salt, hash } = typeof stored === 'string' ? parsePasswordHash(stored) : stored;
  const derived = await derive(settings, password, salt, hash.length);
  return timingSafeEqual(derived, hash);
}

/** A hash that matches no password, costing the same work as a real one made with `settings`. */
export function decoyPasswordHash(settings: HashSettings = DEFAULT_HASH_SETTINGS): PasswordHash {
  return { settings, salt: randomBytes(SALT_BYTES), hash: randomBytes(HASH_BYTES) };
}
