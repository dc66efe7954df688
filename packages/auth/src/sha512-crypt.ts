/**
 * SHA512-CRYPT: crypt(3)'s "$6$" scheme, per Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512", as glibc and
 * libxcrypt compute it, /etc/shadow stores it and Dovecot tags it {SHA512-CRYPT}:
 *
 *   $6$[rounds=<N>$]<salt>$<hash>
 *
 * salt is up to 16 characters, hash is the 64-byte digest in crypt's own base64 (86 characters). Without rounds= the
 * digest has 5000 rounds.
 *
 * node:crypto has no SHA-512 loop to run off the main thread, so the rounds run in a small pool of worker threads (one
 * per core): the event loop stays free, and logins use every core, as scrypt's do in libuv's thread pool. Each round
 * hashes a message of about 100 bytes, for which a node:crypto call costs more than the hashing itself, so the
 * workers run the rounds on a SHA-512 core in WebAssembly (wasm/sha512.wat); where WebAssembly is unavailable they
 * fall back to node:crypto.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SHA512_WASM_BASE64 } from './wasm/sha512-wasm.js';

export const SHA512_CRYPT_DEFAULT_ROUNDS = 5000;
/** The spec clamps rounds= to this range. */
export const SHA512_CRYPT_MIN_ROUNDS = 1000;
export const SHA512_CRYPT_MAX_ROUNDS = 999_999_999;
export const SHA512_CRYPT_MAX_SALT = 16;
/**
 * Longest password, in octets. The spec sets none, but the work grows with the square of the length; libxcrypt (the
 * crypt(3) of current Linux distributions) refuses longer passwords too.
 */
export const SHA512_CRYPT_MAX_PASSWORD = 511;

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGEST_BYTES = 64;
const HASH_CHARS = 86;

export interface Sha512CryptHash {
  /** Rounds as written in a rounds= field; absent when there is none (5000 rounds). */
  readonly rounds?: number;
  /** The salt characters, as ASCII bytes. */
  readonly salt: Uint8Array;
  /** The 64-byte digest. */
  readonly hash: Uint8Array;
}

type Sha512 = (data: Uint8Array) => Uint8Array;

/** Where step 21 builds each round's message, and the SHA-512 of its first `length` bytes (valid until the next call). */
interface RoundsHash {
  readonly buffer: Uint8Array;
  readonly hash: (length: number) => Uint8Array;
}

/** Makes the RoundsHash for one digest whose round messages are at most `maxLength` bytes. */
type RoundsCore = (maxLength: number) => RoundsHash;

/**
 * The digest, steps 1-21 of the spec: `sha512` for the few hashes of steps 1-20, `core` for the thousands of short
 * ones of step 21. These functions refer to nothing outside themselves but `Buffer` and `WebAssembly`, because the
 * worker threads run them from their source text.
 */
function cryptDigest(sha512: Sha512, core: RoundsCore, p: Uint8Array, s: Uint8Array, rounds: number): Uint8Array {
  // `bytes` repeated cyclically to `length` bytes.
  const repeat = (bytes: Uint8Array, length: number): Uint8Array =>
    length === 0 ? new Uint8Array(0) : Buffer.alloc(length, bytes);
  const b = sha512(Buffer.concat([p, s, p])); // steps 4-8
  const parts = [p, s, repeat(b, p.length)]; // steps 1-3, 9-10
  for (let n = p.length; n > 0; n >>= 1) parts.push(n & 1 ? b : p); // step 11
  let c = sha512(Buffer.concat(parts)); // step 12
  const pSeq = repeat(sha512(repeat(p, p.length * p.length)), p.length); // steps 13-16
  const sSeq = repeat(sha512(repeat(s, s.length * (16 + c[0]!))), s.length); // steps 17-20
  const { buffer, hash } = core(2 * p.length + s.length + 64);
  for (let i = 0; i < rounds; i++) {
    // step 21
    const first = i & 1 ? pSeq : c;
    const last = i & 1 ? c : pSeq;
    let o = 0;
    buffer.set(first, o);
    o += first.length;
    if (i % 3 !== 0) {
      buffer.set(sSeq, o);
      o += sSeq.length;
    }
    if (i % 7 !== 0) {
      buffer.set(pSeq, o);
      o += pSeq.length;
    }
    buffer.set(last, o);
    o += last.length;
    c = hash(o);
  }
  return Uint8Array.from(c);
}

// The part of the WebAssembly API used here; TypeScript declares it only along with the DOM.
declare const WebAssembly: {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: object };
};

/** What wasm/sha512.wat exports. */
interface Sha512Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  readonly digest: (msg: number, len: number, out: number) => void;
  /** Offsets where a message usually goes and its digest comes out. */
  readonly input: { readonly value: number };
  readonly output: { readonly value: number };
}

/**
 * Step 21 on the WebAssembly core (wasm/sha512.wat): messages are built in its memory and hashed there, so a round
 * costs no call into node:crypto and no allocation. One instance per worker thread, reused for every digest.
 */
function wasmRoundsCore(module: Uint8Array): RoundsCore {
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(module)).exports as Sha512Exports;
  const { memory, digest } = wasm;
  const input = wasm.input.value;
  const output = wasm.output.value;
  const result = new Uint8Array(memory.buffer, output, 64);
  return (maxLength) => ({
    buffer: new Uint8Array(memory.buffer, input, maxLength),
    hash: (length) => {
      digest(input, length, output);
      return result;
    },
  });
}

/** Step 21 with one node:crypto call per round, for where WebAssembly is unavailable (node --jitless). */
function jsRoundsCore(sha512: Sha512): RoundsCore {
  return (maxLength) => {
    const buffer = new Uint8Array(maxLength);
    return { buffer, hash: (length) => sha512(buffer.subarray(0, length)) };
  };
}

/**
 * @internal The worker threads' source, exported for tests. workerData.wasm: the compiled core (sha512-wasm.ts), or
 * null for node:crypto. getBuiltinModule, not require: the same source then runs whether Node evaluates it as a
 * script or as a module.
 */
export const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { hash } = process.getBuiltinModule('node:crypto');
const cryptDigest = ${cryptDigest.toString()};
const wasmRoundsCore = ${wasmRoundsCore.toString()};
const jsRoundsCore = ${jsRoundsCore.toString()};
const sha512 = (data) => hash('sha512', data, 'buffer');
// No WebAssembly where V8 runs without it (node --jitless): node:crypto then hashes every round.
const core = workerData.wasm && typeof WebAssembly === 'object'
  ? wasmRoundsCore(workerData.wasm)
  : jsRoundsCore(sha512);
parentPort.on('message', ({ password, salt, rounds }) => {
  parentPort.postMessage(cryptDigest(sha512, core, password, salt, rounds));
});
`;

interface DigestRequest {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly rounds: number;
}

interface Job {
  readonly request: DigestRequest;
  readonly resolve: (digest: Uint8Array) => void;
  readonly reject: (err: Error) => void;
}

/** Worker threads started on demand, up to `size`, each running one digest at a time; the rest wait in order. */
class DigestPool {
  readonly #size: number;
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  readonly #queue: Job[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  run(request: DigestRequest): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#busy.size < this.#size ? this.#spawn() : undefined);
      if (!worker) return;
      const job = this.#queue.shift()!;
      this.#busy.set(worker, job);
      worker.ref(); // a pending digest keeps the process alive; an idle worker does not
      worker.postMessage(job.request);
    }
  }

  #spawn(): Worker {
    // No inherited flags: the worker needs none, and preloaded modules or --input-type would only get in its way.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { wasm: SHA512_WASM } });
    const settle = (digest: Uint8Array | null, err: Error | null): void => {
      const job = this.#busy.get(worker);
      this.#busy.delete(worker);
      if (err) {
        const idle = this.#idle.indexOf(worker);
        if (idle >= 0) this.#idle.splice(idle, 1);
        job?.reject(err);
      } else {
        worker.unref();
        this.#idle.push(worker);
        job?.resolve(digest!);
      }
      this.#dispatch();
    };
    worker.on('message', (digest: Uint8Array) => settle(digest, null));
    worker.on('error', (err) => settle(null, err));
    // After 'error' the job is already settled; an exit without one (e.g. terminated) fails the job it had.
    worker.on('exit', (code) => settle(null, new Error(`sha512-crypt worker exited with code ${code}`)));
    return worker;
  }
}

const SHA512_WASM = Buffer.from(SHA512_WASM_BASE64, 'base64');
let pool: DigestPool | undefined;

/** The 64-byte digest, computed in a worker thread. Rejects a password over 511 octets or a salt over 16. */
export function sha512CryptDigest(password: Uint8Array, salt: Uint8Array, rounds: number): Promise<Uint8Array> {
  if (password.length > SHA512_CRYPT_MAX_PASSWORD) {
    return Promise.reject(new RangeError(`password is longer than ${SHA512_CRYPT_MAX_PASSWORD} octets`));
  }
  if (salt.length > SHA512_CRYPT_MAX_SALT) {
    return Promise.reject(new RangeError(`salt is longer than ${SHA512_CRYPT_MAX_SALT} octets`));
  }
  if (!Number.isInteger(rounds) || rounds < SHA512_CRYPT_MIN_ROUNDS || rounds > SHA512_CRYPT_MAX_ROUNDS) {
    return Promise.reject(new RangeError(`rounds must be ${SHA512_CRYPT_MIN_ROUNDS}..${SHA512_CRYPT_MAX_ROUNDS}`));
  }
  pool ??= new DigestPool(availableParallelism());
  // Copies, so the caller's buffers may change while the digest runs.
  return pool.run({ password: Uint8Array.from(password), salt: Uint8Array.from(salt), rounds });
}

// The encoding takes bytes (i, i+21, i+42) in turn, rotated by i mod 3, 6 bits at a time from the low end; byte 63
// comes last, alone.
const GROUPS = Array.from({ length: 21 }, (_, i) => {
  const group = [i, i + 21, i + 42];
  return [...group.slice(i % 3), ...group.slice(0, i % 3)] as [number, number, number];
});

function encodeCrypt64(digest: Uint8Array): string {
  let text = '';
  const put = (value: number, chars: number): void => {
    for (let k = 0; k < chars; k++, value >>= 6) text += ALPHABET[value & 63];
  };
  for (const [x, y, z] of GROUPS) put((digest[x]! << 16) | (digest[y]! << 8) | digest[z]!, 4);
  put(digest[63]!, 2);
  return text;
}

/** The digest, or null when `text` is not the canonical encoding of one. */
function decodeCrypt64(text: string): Uint8Array | null {
  if (text.length !== HASH_CHARS) return null;
  const digest = new Uint8Array(DIGEST_BYTES);
  let pos = 0;
  const take = (chars: number): number => {
    let value = 0;
    for (let k = 0; k < chars; k++) value |= ALPHABET.indexOf(text[pos++]!) << (6 * k);
    return value;
  };
  for (const [x, y, z] of GROUPS) {
    const value = take(4);
    digest[x] = value >> 16;
    digest[y] = value >> 8;
    digest[z] = value;
  }
  digest[63] = take(2);
  // Unused high bits in the last character would decode to the same digest: refuse them.
  return encodeCrypt64(digest) === text ? digest : null;
}

export function formatSha512Crypt(hash: Sha512CryptHash): string {
  const rounds = hash.rounds === undefined ? '' : `rounds=${hash.rounds}$`;
  return `$6$${rounds}${Buffer.from(hash.salt).toString('latin1')}$${encodeCrypt64(hash.hash)}`;
}

// Exactly what crypt(3) writes: rounds in range without leading zeros, a salt of the crypt alphabet.
const STORED = /^\$6\$(?:rounds=([1-9][0-9]{3,8})\$)?([./0-9A-Za-z]{0,16})\$([./0-9A-Za-z]{86})$/;

/** Parses a stored "$6$" hash. Throws an Error whose message never contains the hash. */
export function parseSha512Crypt(text: string): Sha512CryptHash {
  const match = STORED.exec(text);
  const hash = match && decodeCrypt64(match[3]!);
  if (!match || !hash) {
    throw new Error(
      `sha512-crypt hash must be $6$[rounds=${SHA512_CRYPT_MIN_ROUNDS}..${SHA512_CRYPT_MAX_ROUNDS}$]salt$hash, ` +
        'salt up to 16 and hash 86 characters of ./0-9A-Za-z',
    );
  }
  const salt = Buffer.from(match[2]!, 'latin1');
  return match[1] === undefined ? { salt, hash } : { rounds: Number(match[1]), salt, hash };
}

/** A fresh salt of `length` characters of the crypt alphabet, 6 random bits each (16: 96 bits). */
export function randomCryptSalt(length = SHA512_CRYPT_MAX_SALT): Uint8Array {
  return Uint8Array.from(randomBytes(length), (byte) => ALPHABET.charCodeAt(byte & 63));
}

/**
 * crypt(3) for "$6$" settings, as the spec defines it: `setting` is `$6$[rounds=N$]salt[$...]`; rounds are clamped to
 * 1000..999999999 and the salt is cut at 16 characters or the next "$". Resolves to the full crypt string.
 */
export async function sha512Crypt(password: string | Uint8Array, setting: string): Promise<string> {
  if (!setting.startsWith('$6$') || !/^[\x20-\x7e]*$/.test(setting)) {
    throw new RangeError('setting must be printable ASCII starting with $6$');
  }
  let rest = setting.slice(3);
  let rounds: number | undefined;
  const custom = /^rounds=([0-9]*)\$/.exec(rest);
  if (custom) {
    // As strtoul: no digits reads as 0, and anything too large is clamped anyway.
    rounds = Math.min(Math.max(Number(custom[1]), SHA512_CRYPT_MIN_ROUNDS), SHA512_CRYPT_MAX_ROUNDS);
    rest = rest.slice(custom[0].length);
  }
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, SHA512_CRYPT_MAX_SALT), 'latin1');
  const bytes = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const hash = await sha512CryptDigest(bytes, salt, rounds ?? SHA512_CRYPT_DEFAULT_ROUNDS);
  return formatSha512Crypt(rounds === undefined ? { salt, hash } : { rounds, salt, hash });
}
