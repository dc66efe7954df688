import { MessageType, openMessage, readField } from './ntlm-message.js';

/** NEGOTIATE_MESSAGE (MS-NLMP §2.2.1.1). The raw bytes are kept elsewhere: the MIC covers them. */
export interface NegotiateMessage {
  readonly flags: number;
}

const FIXED_FIELDS_END = 32;

/** Null unless `bytes` is a well-formed NEGOTIATE. Its domain and workstation hints are checked, not used. */
export function parseNegotiateMessage(bytes: Uint8Array): NegotiateMessage | null {
  const view = openMessage(bytes, MessageType.NEGOTIATE, 16);
  if (view === null) return null;
  // The oldest clients stop after the flags; anything longer must carry both security buffers intact.
  if (bytes.length > 16) {
    if (readField(bytes, view, 16, FIXED_FIELDS_END) === null) return null;
    if (readField(bytes, view, 24, FIXED_FIELDS_END) === null) return null;
  }
  return { flags: view.getUint32(12, true) };
}
