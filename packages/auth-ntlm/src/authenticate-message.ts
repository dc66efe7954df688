import { NtlmFlag } from './ntlm-flags.js';
import { MessageType, openMessage, readField } from './ntlm-message.js';

/** AUTHENTICATE_MESSAGE (MS-NLMP §2.2.1.3), as far as the server needs it. */
export interface AuthenticateMessage {
  readonly flags: number;
  readonly lmResponse: Uint8Array;
  readonly ntResponse: Uint8Array;
  readonly domain: string;
  readonly user: string;
  readonly encryptedRandomSessionKey: Uint8Array;
  /** Where the payload starts (the lowest offset of a non-empty field): a MIC at 72..88 needs at least 88. */
  readonly payloadStart: number;
}

/** Fixed fields up to and including NegotiateFlags; Version (64..72) and MIC (72..88) are optional. */
const FIXED_FIELDS_END = 64;
export const MIC_OFFSET = 72;
export const MIC_END = 88;

const LM = 12;
const NT = 20;
const DOMAIN = 28;
const USER = 36;
const WORKSTATION = 44;
const SESSION_KEY = 52;

/** Null unless every security buffer lies inside the message and the names decode. */
export function parseAuthenticateMessage(bytes: Uint8Array): AuthenticateMessage | null {
  const view = openMessage(bytes, MessageType.AUTHENTICATE, FIXED_FIELDS_END);
  if (view === null) return null;
  const fields = [LM, NT, DOMAIN, USER, WORKSTATION, SESSION_KEY].map((at) =>
    readField(bytes, view, at, FIXED_FIELDS_END),
  );
  const [lmResponse, ntResponse, domain, user, workstation, encryptedRandomSessionKey] = fields;
  if (!lmResponse || !ntResponse || !domain || !user || !workstation || !encryptedRandomSessionKey) return null;

  const flags = view.getUint32(60, true);
  const unicode = (flags & NtlmFlag.UNICODE) !== 0;
  const domainName = decodeName(domain, unicode);
  const userName = decodeName(user, unicode);
  if (domainName === null || userName === null) return null;

  let payloadStart = bytes.length;
  for (const field of fields) {
    if (field && field.length > 0) payloadStart = Math.min(payloadStart, field.byteOffset - bytes.byteOffset);
  }
  return {
    flags,
    lmResponse,
    ntResponse,
    domain: domainName,
    user: userName,
    encryptedRandomSessionKey,
    payloadStart,
  };
}

/** UTF-16LE when UNICODE was negotiated, else the OEM code page (Latin-1 keeps every byte as one code unit). */
function decodeName(bytes: Uint8Array, unicode: boolean): string | null {
  if (unicode && bytes.length % 2 !== 0) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(unicode ? 'utf16le' : 'latin1');
}
