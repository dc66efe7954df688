import { resolve } from 'node:path';
import { toGssError } from './gss-error.js';
import type { NativeAcceptor } from './native-module.js';

export interface AcceptorOptions {
  /**
   * The keytab holding the service keys: a path, or a typed name such as 'FILE:/etc/poplar/pop.keytab'. Used by
   * this acceptor only (gss_acquire_cred_from). Absent: the Kerberos default (KRB5_KTNAME or /etc/krb5.keytab).
   */
  readonly keytab?: string;
  /**
   * Accept only tickets for this principal, e.g. 'pop/mail.example.com@EXAMPLE.COM'. Absent: any key in the
   * keytab, which avoids host-name canonicalisation mismatches; check targetName() instead.
   */
  readonly principal?: string;
}

export interface AcceptResult {
  /** True when the security context is established. */
  readonly complete: boolean;
  /** Token for the initiator; may be empty (then nothing needs to be sent for this step). */
  readonly token: Uint8Array;
}

/**
 * The acceptor (server) side of one GSS-API security context, restricted to Kerberos V5. Not reusable: one per
 * authentication. Call dispose() when done, whatever the outcome; it is idempotent and safe during a step.
 */
export class GssAcceptor {
  readonly #native: NativeAcceptor;

  /** @internal Use GssapiBinding.createAcceptor(). */
  constructor(native: NativeAcceptor) {
    this.#native = native;
  }

  /** One gss_accept_sec_context call, on a worker thread (it reads the keytab and writes the replay cache). */
  async step(token: Uint8Array): Promise<AcceptResult> {
    try {
      const result = await this.#native.step(token);
      return { complete: result.complete, token: result.token };
    } catch (error) {
      throw toGssError(error);
    }
  }

  get complete(): boolean {
    return this.#native.isComplete();
  }

  /** gss_wrap: integrity protection, plus encryption when `conf` is true. */
  wrap(data: Uint8Array, options: { conf?: boolean } = {}): Uint8Array {
    return this.#call(() => this.#native.wrap(data, options.conf ?? false));
  }

  /** gss_unwrap: checks and opens a token from the initiator; `conf` tells whether it was encrypted. */
  unwrap(token: Uint8Array): { data: Uint8Array; conf: boolean } {
    return this.#call(() => this.#native.unwrap(token));
  }

  /** The authenticated client principal, e.g. 'alice@EXAMPLE.TEST'. */
  initiatorName(): string {
    return this.#call(() => this.#native.initiatorName());
  }

  /** The service principal the client's ticket was for, e.g. 'pop/localhost@EXAMPLE.TEST'. */
  targetName(): string {
    return this.#call(() => this.#native.targetName());
  }

  /** The local user name from the krb5 auth_to_local rules (gss_localname), or null when no rule maps it. */
  localName(): string | null {
    return this.#call(() => this.#native.localName());
  }

  /** The mechanism OID in dotted form. */
  mechanism(): string {
    return this.#call(() => this.#native.mechanism());
  }

  /** True when the context uses Kerberos V5 (and not SPNEGO or another mechanism). */
  isKrb5(): boolean {
    return this.#call(() => this.#native.isKrb5());
  }

  /** Returned context flags, see GssFlags. */
  flags(): number {
    return this.#call(() => this.#native.flags());
  }

  /** Releases the context, credentials and names. */
  dispose(): void {
    this.#native.dispose();
  }

  #call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toGssError(error);
    }
  }
}

/** The keytab as a Kerberos key table name: typed names pass through, paths become absolute FILE: names. */
export function keytabName(keytab: string): string {
  return /^[A-Za-z][A-Za-z0-9]+:/.test(keytab) ? keytab : `FILE:${resolve(keytab)}`;
}
