/** Every way a server reply, a connection or a delivery can fail validation; results count errors by kind. */
export type ErrorKind =
  | 'connect'
  | 'tls'
  | 'closed'
  | 'timeout'
  | 'greeting'
  | 'err-reply'
  | 'bad-status-line'
  | 'line-too-long'
  | 'bare-lf'
  | 'bad-dot-stuffing'
  | 'bad-terminator'
  | 'size-mismatch'
  | 'checksum-mismatch'
  | 'missing-checksum'
  | 'count-mismatch'
  | 'bad-listing'
  | 'unexpected-data'
  | 'delivery';

export class BenchError extends Error {
  override readonly name = 'BenchError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The kind of any thrown value: a BenchError keeps its own, a socket error is a connection failure. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof BenchError) return error.kind;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_SSL')) return 'tls';
  return code === 'ECONNRESET' || code === 'EPIPE' ? 'closed' : 'connect';
}
