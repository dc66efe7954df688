import { md4 } from './md4.js';

/**
 * The NT hash of a password, MD4(UTF-16LE(password)) (NTOWFv1, MS-NLMP §3.3.1): what the user database stores for
 * NTLM. It is password-equivalent: store it encrypted and never log it.
 */
export function ntHash(password: string): Uint8Array {
  return md4(Buffer.from(password, 'utf16le'));
}
