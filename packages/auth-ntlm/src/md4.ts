/**
 * MD4 (RFC 1320). NTLM's NT hash is MD4(UTF-16LE(password)); OpenSSL 3 only offers MD4 through its legacy
 * provider, which Node does not load, so it lives here. Not for any other use: MD4 is broken.
 */

const ORDER = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15],
  [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15],
];
const SHIFTS = [
  [3, 7, 11, 19],
  [3, 5, 9, 13],
  [3, 9, 11, 15],
];

export function md4(data: Uint8Array): Uint8Array {
  // Message, 0x80, zero padding, then the bit length as a 64-bit little-endian number.
  const paddedLength = (((data.length + 8) >>> 6) + 1) << 6;
  const padded = new Uint8Array(paddedLength);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(paddedLength - 8, (data.length * 8) >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(data.length / 0x20000000), true);

  const state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const x = new Int32Array(16);
  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(block + i * 4, true);
    let a = state[0]!;
    let b = state[1]!;
    let c = state[2]!;
    let d = state[3]!;
    for (let round = 0; round < 3; round++) {
      for (let step = 0; step < 16; step++) {
        let f: number;
        if (round === 0) f = (b & c) | (~b & d);
        else if (round === 1) f = ((b & c) | (b & d) | (c & d)) + 0x5a827999;
        else f = (b ^ c ^ d) + 0x6ed9eba1;
        const t = (a + f + x[ORDER[round]![step]!]!) | 0;
        const s = SHIFTS[round]![step & 3]!;
        // The registers take turns: the next step updates what is now d.
        a = d;
        d = c;
        c = b;
        b = (t << s) | (t >>> (32 - s));
      }
    }
    state[0]! += a;
    state[1]! += b;
    state[2]! += c;
    state[3]! += d;
  }

  const digest = new Uint8Array(16);
  const out = new DataView(digest.buffer);
  for (let i = 0; i < 4; i++) out.setInt32(i * 4, state[i]!, true);
  return digest;
}
