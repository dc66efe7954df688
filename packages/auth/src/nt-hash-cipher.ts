/**
 * NT hashes are password-equivalent (pass-the-hash), so the users file holds them only encrypted: AES-256-GCM under
 * a 32-byte server key that is configured separately from the file. The user name is bound in as associated data,
 * so an entry copied onto another user's line does not decrypt.
 *
 * Stored form: unpadded base64 of iv (12) || ciphertext (16) || tag (16).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { userKey } from './user-name.js';

export const NT_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const NT_HASH_BYTES = 16;
const SEALED_BYTES = IV_BYTES + NT_HASH_BYTES + TAG_BYTES;

/** Reads a server key given as 64 hex digits or as base64 of 32 bytes (e.g. from an environment variable). */
export function parseNtKey(text: string): Uint8Array {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const bytes = decodeBase64(trimmed.replace(/=+$/, ''));
  if (bytes?.length === NT_KEY_BYTES) return bytes;
  throw new Error(`NT key must be ${NT_KEY_BYTES} bytes, written as 64 hex digits or base64`);
}

/** A new random server key as 64 hex digits. */
export function generateNtKey(): string {
  return randomBytes(NT_KEY_BYTES).toString('hex');
}

function checkKey(key: Uint8Array): void {
  if (key.length !== NT_KEY_BYTES) throw new RangeError(`NT key must be ${NT_KEY_BYTES} bytes`);
}

const associatedData = (user: string): Buffer => Buffer.from(`poplar-nt-v1\0${userKey(user)}`, 'utf8');

export function isSealedNtHash(text: string): boolean {
  return decodeBase64(text)?.length === SEALED_BYTES;
}

export function encryptNtHash(key: Uint8Array, user: string, ntHash: Uint8Array): string {
  checkKey(key);
  if (ntHash.length !== NT_HASH_BYTES) throw new RangeError(`an NT hash is ${NT_HASH_BYTES} bytes`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(user));
  const body = Buffer.concat([cipher.update(ntHash), cipher.final()]);
  return encodeBase64(Buffer.concat([iv, body, cipher.getAuthTag()]));
}

/** Throws when the key is wrong or the entry was altered or belongs to another user. */
export function decryptNtHash(key: Uint8Array, user: string, sealed: string): Uint8Array {
  checkKey(key);
  const bytes = decodeBase64(sealed);
  if (bytes?.length !== SEALED_BYTES) throw new Error('sealed NT hash has the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(user));
  decipher.setAuthTag(bytes.subarray(IV_BYTES + NT_HASH_BYTES));
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, IV_BYTES + NT_HASH_BYTES)), decipher.final()]),
    );
  } catch (cause) {
    throw new Error(`cannot decrypt the NT hash of ${user}: wrong NT key or damaged entry`, { cause });
  }
}
