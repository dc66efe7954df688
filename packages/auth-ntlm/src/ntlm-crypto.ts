import { createHash, createHmac } from 'node:crypto';
import { desEncryptBlock, expandDesKey } from './des.js';

export function hmacMd5(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const hmac = createHmac('md5', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
}

export function md5(...data: Uint8Array[]): Uint8Array {
  const hash = createHash('md5');
  for (const part of data) hash.update(part);
  return hash.digest();
}

/**
 * Upper-cases one UTF-16 code unit at a time, as Windows does for NTOWFv2: a code unit whose upper case would
 * change the length (JavaScript turns 'ß' into 'SS') stays as it is, and surrogate pairs are left alone.
 */
export function windowsUpperCase(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charAt(i);
    const upper = unit.toUpperCase();
    out += upper.length === 1 ? upper : unit;
  }
  return out;
}

/** NTOWFv2 / ResponseKeyNT (MS-NLMP §3.3.2): the user name upper-cased, the domain exactly as sent. */
export function ntowfv2(ntHash: Uint8Array, user: string, domain: string): Uint8Array {
  return hmacMd5(ntHash, Buffer.from(windowsUpperCase(user) + domain, 'utf16le'));
}

/**
 * DESL (MS-NLMP §6): the 16-byte key padded with zeros to 21 bytes, cut into three 7-byte DES keys, each
 * encrypting the same 8 bytes. The NTLMv1 response.
 */
export function desl(key16: Uint8Array, data8: Uint8Array): Uint8Array {
  const key = new Uint8Array(21);
  key.set(key16.subarray(0, 16));
  const out = new Uint8Array(24);
  for (let i = 0; i < 3; i++) out.set(desEncryptBlock(expandDesKey(key.subarray(i * 7, i * 7 + 7)), data8), i * 8);
  return out;
}
