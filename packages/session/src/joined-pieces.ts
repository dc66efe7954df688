/**
 * Small pieces of output joined into one buffer for one write. The buffers are pooled and reused once the stream
 * has written them: joining answers of small messages is most of what the session allocates per message, and
 * fresh buffers for it (external memory to V8) drive frequent full garbage collections.
 */

/** Every pooled buffer has this size: the channel joins at most its flush size. */
export const JOIN_CAPACITY = 64 * 1024;
/** Pooled buffers kept per process (1 MiB in all); more at once are left to the garbage collector afterwards. */
const KEPT = 16;

const free: Buffer[] = [];
const pooled = new WeakSet<ArrayBufferLike>();

/** `pieces` (`length` octets in all) in one buffer: a pooled one when they fit it, else a fresh one. */
export function joinPieces(pieces: readonly Buffer[], length: number): Buffer {
  if (length > JOIN_CAPACITY) return Buffer.concat(pieces, length);
  let target = free.pop();
  if (target === undefined) {
    target = Buffer.allocUnsafeSlow(JOIN_CAPACITY);
    pooled.add(target.buffer);
  }
  let offset = 0;
  for (const piece of pieces) offset += piece.copy(target, offset);
  return target.subarray(0, length);
}

/** Gives back a buffer from joinPieces once the stream is done with it; one that was not pooled is left alone. */
export function releaseJoined(joined: Buffer): void {
  if (free.length < KEPT && pooled.has(joined.buffer)) free.push(Buffer.from(joined.buffer, 0, JOIN_CAPACITY));
}
