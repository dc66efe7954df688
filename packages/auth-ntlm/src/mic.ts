import { timingSafeEqual } from 'node:crypto';
import { MIC_END, MIC_OFFSET } from './authenticate-message.js';
import { hmacMd5 } from './ntlm-crypto.js';
import { NtlmFlag } from './ntlm-flags.js';
import { rc4 } from './rc4.js';

/**
 * ExportedSessionKey (MS-NLMP §3.2.5.1.2): with KEY_EXCH the client picked a random key and sent it RC4-encrypted
 * under the KeyExchangeKey; otherwise it is the KeyExchangeKey itself.
 */
export function exportedSessionKey(keyExchangeKey: Uint8Array, flags: number, encryptedKey: Uint8Array): Uint8Array {
  return flags & NtlmFlag.KEY_EXCH && encryptedKey.length === 16 ? rc4(keyExchangeKey, encryptedKey) : keyExchangeKey;
}

/** MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with the MIC field zeroed). */
export function verifyMic(
  sessionKey: Uint8Array,
  negotiate: Uint8Array,
  challenge: Uint8Array,
  authenticate: Uint8Array,
): boolean {
  if (authenticate.length < MIC_END) return false;
  const zeroed = Uint8Array.from(authenticate);
  zeroed.fill(0, MIC_OFFSET, MIC_END);
  const expected = hmacMd5(sessionKey, negotiate, challenge, zeroed);
  return timingSafeEqual(expected, authenticate.subarray(MIC_OFFSET, MIC_END));
}
