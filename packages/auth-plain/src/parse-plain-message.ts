/** The three fields of a SASL PLAIN message (RFC 4616 section 2), decoded but not yet SASLprep'd. */
export interface PlainMessage {
  /** Empty when the client asks to act as itself. */
  readonly authzid: string;
  readonly authcid: string;
  readonly password: string;
}

const MAX_FIELD_OCTETS = 255;
const NUL = 0;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Parses `[authzid] NUL authcid NUL passwd`: exactly two NULs, valid UTF-8, authcid and passwd 1..255 octets,
 * authzid at most 255. Null for anything else.
 */
export function parsePlainMessage(message: Uint8Array): PlainMessage | null {
  if (message.length > 3 * MAX_FIELD_OCTETS + 2) return null;
  const first = message.indexOf(NUL);
  const second = first < 0 ? -1 : message.indexOf(NUL, first + 1);
  if (second < 0 || message.indexOf(NUL, second + 1) >= 0) return null;
  const authzidBytes = message.subarray(0, first);
  const authcidBytes = message.subarray(first + 1, second);
  const passwordBytes = message.subarray(second + 1);
  if (authzidBytes.length > MAX_FIELD_OCTETS) return null;
  for (const field of [authcidBytes, passwordBytes]) {
    if (field.length === 0 || field.length > MAX_FIELD_OCTETS) return null;
  }
  // A NUL never occurs inside a multi-byte UTF-8 sequence, so each field decodes on its own.
  const authzid = decode(authzidBytes);
  const authcid = decode(authcidBytes);
  const password = decode(passwordBytes);
  if (authzid === null || authcid === null || password === null) return null;
  return { authzid, authcid, password };
}
