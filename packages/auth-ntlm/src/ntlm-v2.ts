import { timingSafeEqual } from 'node:crypto';
import { AV_FLAG_MIC_PRESENT, AvId, parseAvPairs } from './av-pairs.js';
import { hmacMd5, ntowfv2 } from './ntlm-crypto.js';

/** An NTLMv2_RESPONSE (MS-NLMP §2.2.2.8): NTProofStr, then the client's blob that the proof covers. */
export interface NtlmV2Response {
  readonly ntProofStr: Uint8Array;
  /** NTLMv2_CLIENT_CHALLENGE (§2.2.2.7), the "temp" of §3.3.2. */
  readonly blob: Uint8Array;
  /** The client's FILETIME. */
  readonly timestamp: bigint;
  /** MsvAvFlags announces a MIC in the AUTHENTICATE message. */
  readonly micPresent: boolean;
}

/** 16-byte NTProofStr + 28-byte fixed blob + at least MsvAvEOL. */
export const MIN_NTLMV2_RESPONSE = 48;
const AV_PAIRS_START = 28;

/** Null unless the response is a well-formed NTLMv2 response whose AV pairs end properly. */
export function parseNtlmV2Response(nt: Uint8Array): NtlmV2Response | null {
  if (nt.length < MIN_NTLMV2_RESPONSE) return null;
  const blob = nt.subarray(16);
  if (blob[0] !== 1 || blob[1] !== 1) return null; // RespType, HiRespType
  const pairs = parseAvPairs(blob.subarray(AV_PAIRS_START));
  if (pairs === null) return null;
  let micPresent = false;
  for (const { id, value } of pairs) {
    if (id !== AvId.FLAGS) continue;
    if (value.length !== 4) return null;
    micPresent = (new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true) & AV_FLAG_MIC_PRESENT) !== 0;
  }
  const timestamp = new DataView(blob.buffer, blob.byteOffset + 8, 8).getBigUint64(0, true);
  return { ntProofStr: nt.subarray(0, 16), blob, timestamp, micPresent };
}

/**
 * Checks NTProofStr (MS-NLMP §3.3.2) for the names exactly as sent, then, as servers SHOULD, with an empty domain
 * for clients that leave it out of NTOWFv2. Returns SessionBaseKey (the KeyExchangeKey for v2) or null.
 */
export function verifyNtlmV2(
  ntHash: Uint8Array,
  user: string,
  domain: string,
  serverChallenge: Uint8Array,
  response: NtlmV2Response,
): Uint8Array | null {
  for (const candidate of domain === '' ? [''] : [domain, '']) {
    const responseKeyNt = ntowfv2(ntHash, user, candidate);
    const expected = hmacMd5(responseKeyNt, serverChallenge, response.blob);
    if (timingSafeEqual(expected, response.ntProofStr)) return hmacMd5(responseKeyNt, response.ntProofStr);
  }
  return null;
}
