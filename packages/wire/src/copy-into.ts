/**
 * Copies source[start, end) into target at offset and returns the count. A typed-array set() of a plain view: on
 * Node 20 it is much cheaper than Buffer#copy for the short runs between line breaks.
 */
export function copyInto(target: Uint8Array, offset: number, source: Uint8Array, start: number, end: number): number {
  target.set(new Uint8Array(source.buffer, source.byteOffset + start, end - start), offset);
  return end - start;
}
