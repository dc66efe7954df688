/** The header a corpus message carries beside X-Bench-Checksum: the CRC-32C (hex) of the same body bytes. */
export const CRC32C_HEADER = 'X-Bench-CRC32C';

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the one CPUs compute with an instruction (SSE 4.2). */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32C of `bytes`, as 8 lower-case hex digits. */
export function crc32c(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
