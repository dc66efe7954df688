// A small NTLMv2 client (MS-NLMP §3.1.5) for the cases the published clients cannot produce: a name hashed with an
// empty domain, non-ASCII names, a MIC without KEY_EXCH, a chosen timestamp. Built on the package's own primitives,
// so it proves only the edge cases; interoperability comes from the real clients in clients.ts.
import { AvId, type AvPair, encodeAvPairs, parseAvPairs } from '../src/av-pairs.js';
import { ntHash } from '../src/nt-hash.js';
import { hmacMd5, ntowfv2 } from '../src/ntlm-crypto.js';
import { NtlmFlag } from '../src/ntlm-flags.js';
import { rc4 } from '../src/rc4.js';
import type { TestClient } from './clients.js';

export interface V2ClientOptions {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** The domain that goes into NTOWFv2; the sent one by default. */
  readonly hashDomain?: string;
  readonly negotiateFlags?: number;
  /** Overrides the timestamp copied from the CHALLENGE. */
  readonly timestamp?: bigint;
  readonly mic?: boolean;
}

export const DEFAULT_FLAGS =
  NtlmFlag.UNICODE |
  NtlmFlag.REQUEST_TARGET |
  NtlmFlag.NTLM |
  NtlmFlag.ALWAYS_SIGN |
  NtlmFlag.EXTENDED_SESSIONSECURITY |
  NtlmFlag.TARGET_INFO |
  NtlmFlag.VERSION |
  NtlmFlag.N128 |
  NtlmFlag.N56;

export function ntlmV2Client(options: V2ClientOptions): TestClient {
  const negotiate = new Uint8Array(32);
  const view = new DataView(negotiate.buffer);
  negotiate.set(Buffer.from('NTLMSSP\0', 'latin1'));
  view.setUint32(8, 1, true);
  view.setUint32(12, options.negotiateFlags ?? DEFAULT_FLAGS, true);
  return {
    negotiate,
    async authenticate(challenge) {
      return buildAuthenticate(options, negotiate, challenge);
    },
  };
}

function buildAuthenticate(options: V2ClientOptions, negotiate: Uint8Array, challenge: Uint8Array): Uint8Array {
  const cv = new DataView(challenge.buffer, challenge.byteOffset, challenge.byteLength);
  const flags = cv.getUint32(20, true);
  const serverChallenge = challenge.subarray(24, 32);
  const infoOffset = cv.getUint32(44, true);
  const pairs: AvPair[] = parseAvPairs(challenge.subarray(infoOffset, infoOffset + cv.getUint16(40, true))) ?? [];
  const serverTime = pairs.find((pair) => pair.id === AvId.TIMESTAMP)?.value;
  const timestamp = new Uint8Array(8);
  if (options.timestamp !== undefined) new DataView(timestamp.buffer).setBigUint64(0, options.timestamp, true);
  else if (serverTime) timestamp.set(serverTime);
  if (options.mic) pairs.push({ id: AvId.FLAGS, value: Uint8Array.of(2, 0, 0, 0) });

  const blob = Buffer.concat([
    Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0),
    timestamp,
    Buffer.from('cccccccccccccccc', 'hex'),
    new Uint8Array(4),
    encodeAvPairs(pairs),
    new Uint8Array(4),
  ]);
  const key = ntowfv2(ntHash(options.password), options.user, options.hashDomain ?? options.domain);
  const proof = hmacMd5(key, serverChallenge, blob);
  const nt = Buffer.concat([proof, blob]);
  const sessionBaseKey = hmacMd5(key, proof);
  const keyExch = (flags & NtlmFlag.KEY_EXCH) !== 0;
  const exportedKey = Buffer.alloc(16, 0x42);
  const esk = keyExch ? rc4(sessionBaseKey, exportedKey) : new Uint8Array(0);

  const encoding = flags & NtlmFlag.UNICODE ? 'utf16le' : 'latin1';
  const fields = [
    new Uint8Array(24), // LM: zeros, as Windows sends alongside a MIC
    nt,
    Buffer.from(options.domain, encoding),
    Buffer.from(options.user, encoding),
    Buffer.from('WS01', encoding),
    esk,
  ];
  const message = new Uint8Array(88 + fields.reduce((sum, field) => sum + field.length, 0));
  const view = new DataView(message.buffer);
  message.set(Buffer.from('NTLMSSP\0', 'latin1'));
  view.setUint32(8, 3, true);
  let offset = 88;
  fields.forEach((field, i) => {
    view.setUint16(12 + i * 8, field.length, true);
    view.setUint16(14 + i * 8, field.length, true);
    view.setUint32(16 + i * 8, offset, true);
    message.set(field, offset);
    offset += field.length;
  });
  view.setUint32(60, flags, true);
  if (options.mic) {
    const micKey = keyExch ? exportedKey : sessionBaseKey;
    message.set(hmacMd5(micKey, negotiate, challenge, message), 72);
  }
  return message;
}
