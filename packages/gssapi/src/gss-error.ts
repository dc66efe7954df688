import {
  type GssRoutineError,
  type GssSupplementaryStatus,
  type Krb5ErrorName,
  krb5ErrorName,
  routineError,
  supplementaryStatus,
} from './gss-status.js';

/**
 * A failed GSS-API call. The message is the library's own text (gss_display_status for the major and the minor
 * code): meant for logs, never for the client.
 */
export class GssError extends Error {
  /** The GSS-API function that failed, e.g. 'gss_accept_sec_context'. */
  readonly operation: string;
  readonly major: number;
  /** Mechanism (krb5) status as a signed 32-bit number; errno values also appear here. */
  readonly minor: number;

  constructor(message: string, status: { operation: string; major: number; minor: number }, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GssError';
    this.operation = status.operation;
    this.major = status.major;
    this.minor = status.minor;
  }

  /** e.g. 'GSS_S_DEFECTIVE_TOKEN'. */
  get routineError(): GssRoutineError | undefined {
    return routineError(this.major);
  }

  /** e.g. ['GSS_S_DUPLICATE_TOKEN']. */
  get supplementary(): GssSupplementaryStatus[] {
    return supplementaryStatus(this.major);
  }

  /** e.g. 'KRB5KRB_AP_ERR_TKT_EXPIRED'. */
  get minorName(): Krb5ErrorName | undefined {
    return krb5ErrorName(this.minor);
  }
}

interface NativeStatusError extends Error {
  gssOperation: string;
  gssMajor: number;
  gssMinor: number;
}

/** Turns the binding's plain errors carrying gss* properties into GssError; other errors pass through. */
export function toGssError(error: unknown): unknown {
  if (!(error instanceof Error) || typeof (error as Partial<NativeStatusError>).gssMajor !== 'number') return error;
  const native = error as NativeStatusError;
  return new GssError(native.message, {
    operation: native.gssOperation,
    major: native.gssMajor,
    minor: native.gssMinor,
  });
}
