/** AV_PAIR lists (MS-NLMP §2.2.2.1): `AvId u16 | AvLen u16 | Value`, ended by MsvAvEOL. */

export const AvId = {
  EOL: 0x0000,
  NB_COMPUTER_NAME: 0x0001,
  NB_DOMAIN_NAME: 0x0002,
  DNS_COMPUTER_NAME: 0x0003,
  DNS_DOMAIN_NAME: 0x0004,
  FLAGS: 0x0006,
  TIMESTAMP: 0x0007,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x2;

export interface AvPair {
  readonly id: number;
  readonly value: Uint8Array;
}

/** Encodes pairs and appends MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  const size = pairs.reduce((sum, pair) => sum + 4 + pair.value.length, 4);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { id, value } of pairs) {
    if (value.length > 0xffff) throw new RangeError('AV_PAIR value longer than 65535 bytes');
    view.setUint16(at, id, true);
    view.setUint16(at + 2, value.length, true);
    out.set(value, at + 4);
    at += 4 + value.length;
  }
  return out; // the last 4 bytes stay zero: MsvAvEOL
}

/**
 * Reads pairs up to MsvAvEOL. Returns null when a pair runs past the end or there is no MsvAvEOL. Whatever
 * follows the EOL (clients pad the NTLMv2 blob with zeros) is ignored.
 */
export function parseAvPairs(bytes: Uint8Array): AvPair[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    const end = at + 4 + length;
    if (end > bytes.length) return null;
    if (id === AvId.EOL) return pairs;
    pairs.push({ id, value: bytes.subarray(at + 4, end) });
    at = end;
  }
  return null;
}
