/** Sizes other software cached for a message, e.g. in a Maildir file name (",S=<stored>,W=<exact>"). */
export interface SizeHints {
  /** Storage size: bytes on disk. */
  readonly S?: number;
  /** Exact RFC 822 size: octets as sent on the wire with CRLF line ends, before dot-stuffing. */
  readonly W?: number;
}

/** What a calculator may look at to size one stored message. */
export interface SizeInput {
  /** Identifies the message for logs and caches (a Maildir unique name, a database key). */
  readonly key: string;
  /** Bytes on disk, e.g. from stat(). */
  readonly storedSize: number;
  readonly hints: SizeHints;
  /** Streams the stored bytes. Only calculators that must read the message call it. */
  open(): AsyncIterable<Uint8Array>;
}

/**
 * Sizes a stored message for STAT and LIST. `exact` is true when the result is the exact RFC 822 size
 * (EnableExactRFC822Size), false when it is a storage size. null means "unknown to this calculator".
 */
export interface SizeCalculator {
  readonly name: string;
  readonly exact: boolean;
  measure(input: SizeInput): number | null | Promise<number | null>;
}
