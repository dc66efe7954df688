/**
 * The common frame of the three NTLM messages (MS-NLMP §2.2): "NTLMSSP\0", a u32 message type, fixed fields, then
 * a payload that 8-byte security buffers (`Len u16 | MaxLen u16 | Offset u32`, offsets from the message start)
 * point into. All integers are little-endian.
 */

export const MessageType = { NEGOTIATE: 1, CHALLENGE: 2, AUTHENTICATE: 3 } as const;

const SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00]; // "NTLMSSP\0"

/**
 * Real messages are a few hundred bytes; the largest legitimate one (an AUTHENTICATE with long names and a big
 * TargetInfo copy) stays far below this.
 */
export const MAX_MESSAGE_SIZE = 16 * 1024;

/** A DataView over `bytes` when it is an NTLM message of `type` at least `minLength` long, else null. */
export function openMessage(bytes: Uint8Array, type: number, minLength: number): DataView | null {
  if (bytes.length < minLength || bytes.length > MAX_MESSAGE_SIZE) return null;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(8, true) === type ? view : null;
}

/**
 * The bytes a security buffer at `at` points to, or null when it does not lie inside the message. An empty
 * buffer's offset is not looked at (clients write 0 or anything there). `payloadStart` is the end of the fixed
 * fields: data may not overlap them.
 */
export function readField(bytes: Uint8Array, view: DataView, at: number, payloadStart: number): Uint8Array | null {
  if (at + 8 > bytes.length) return null;
  const length = view.getUint16(at, true);
  if (length === 0) return bytes.subarray(0, 0);
  const offset = view.getUint32(at + 4, true);
  if (offset < payloadStart || offset + length > bytes.length) return null;
  return bytes.subarray(offset, offset + length);
}

export function writeHeader(view: DataView, type: number): void {
  for (let i = 0; i < SIGNATURE.length; i++) view.setUint8(i, SIGNATURE[i]!);
  view.setUint32(8, type, true);
}

export function writeField(view: DataView, at: number, length: number, offset: number): void {
  view.setUint16(at, length, true);
  view.setUint16(at + 2, length, true);
  view.setUint32(at + 4, offset, true);
}
