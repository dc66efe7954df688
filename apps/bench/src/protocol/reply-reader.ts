/**
 * Reads one server reply from a stream of chunks. `feed` consumes bytes from `offset` and returns the offset just
 * after the reply, or -1 when the whole chunk was consumed and the reply is not complete yet; it throws a
 * BenchError when the bytes break the protocol.
 */
export interface ReplyReader<T> {
  feed(chunk: Buffer, offset: number): number;
  result(): T;
}
