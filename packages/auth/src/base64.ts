// Unpadded standard base64, as in PHC strings. Buffer's own decoder skips characters it does not know, which would
// let a damaged users file decode to the wrong bytes, so decoding here is strict.

const BASE64 = /^[A-Za-z0-9+/]*$/;

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '');
}

/** The decoded bytes, or null when `text` is not canonical unpadded base64. */
export function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64');
  // Non-canonical trailing bits (e.g. "QR" for "QQ") would decode to the same bytes: refuse them.
  return encodeBase64(bytes) === text ? bytes : null;
}
