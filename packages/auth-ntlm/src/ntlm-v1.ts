import { timingSafeEqual } from 'node:crypto';
import { desl, md5 } from './ntlm-crypto.js';
import { NtlmFlag } from './ntlm-flags.js';

export const NTLMV1_RESPONSE_LENGTH = 24;

/**
 * Checks an NTLMv1 response (MS-NLMP §3.3.1), or NTLMv1 with extended session security when the ESS flag is set
 * and the LM field is the 8-byte client challenge followed by 16 zeros. The LM response itself is never checked:
 * only the NT hash is stored.
 */
export function verifyNtlmV1(
  ntHash: Uint8Array,
  serverChallenge: Uint8Array,
  flags: number,
  lmResponse: Uint8Array,
  ntResponse: Uint8Array,
): boolean {
  if (ntResponse.length !== NTLMV1_RESPONSE_LENGTH) return false;
  const ess =
    (flags & NtlmFlag.EXTENDED_SESSIONSECURITY) !== 0 &&
    lmResponse.length === NTLMV1_RESPONSE_LENGTH &&
    lmResponse.subarray(8).every((byte) => byte === 0);
  const challenge = ess ? md5(serverChallenge, lmResponse.subarray(0, 8)).subarray(0, 8) : serverChallenge;
  return timingSafeEqual(desl(ntHash, challenge), ntResponse);
}
