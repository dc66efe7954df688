import { renderMultiline, renderOk } from '@poplar/wire';
import type { AuthMechanism } from './contracts.js';
import type { LoginType } from './options.js';

/** RFC 4422 section 3.1: 1-20 characters of upper-case letters, digits, hyphen and underscore. */
const SASL_NAME = /^[A-Z0-9_-]{1,20}$/;
const OK = renderOk();

export interface CapabilityOptions {
  readonly mechanisms: readonly AuthMechanism[];
  readonly loginType: LoginType;
  readonly startTls: boolean;
  readonly responseCodes: boolean;
}

/**
 * Where each way of logging in is usable (the LoginType policy) and the listings that follow from it: CAPA and bare
 * AUTH. A mechanism's `available` flag may change while the server runs, so listings are cached per combination.
 *
 * - PlainTextLogin: USER/PASS and every mechanism, with or without TLS.
 * - PlainTextAuthentication: before TLS only mechanisms that do not carry a password in the clear (NTLM, GSSAPI).
 * - SecureLogin: before TLS no login at all.
 */
export class Capabilities {
  readonly #mechanisms: ReadonlyMap<string, AuthMechanism>;
  readonly #options: CapabilityOptions;
  readonly #cache = new Map<string, Buffer>();

  constructor(options: CapabilityOptions) {
    const byName = new Map<string, AuthMechanism>();
    for (const mechanism of options.mechanisms) {
      const name = mechanism?.name;
      if (typeof name !== 'string' || !SASL_NAME.test(name)) {
        throw new TypeError(`Invalid SASL mechanism name: ${String(name)} (upper-case RFC 4422 name expected)`);
      }
      if (byName.has(name)) throw new TypeError(`Duplicate SASL mechanism: ${name}`);
      if (typeof mechanism.start !== 'function') throw new TypeError(`SASL mechanism ${name} has no start()`);
      byName.set(name, mechanism);
    }
    this.#mechanisms = byName;
    this.#options = options;
  }

  /** USER/PASS may be used on this connection. */
  plaintextAllowed(secure: boolean): boolean {
    return secure || this.#options.loginType === 'PlainTextLogin';
  }

  /** A mechanism by its (case-insensitive) name, whether or not it is usable now. */
  find(name: string): AuthMechanism | undefined {
    return this.#mechanisms.get(name.toUpperCase());
  }

  /** The mechanism may be used on this connection: it is available and LoginType allows it. */
  allowed(mechanism: AuthMechanism, secure: boolean): boolean {
    if (this.plaintextAllowed(secure)) return true;
    return this.#options.loginType === 'PlainTextAuthentication' && !mechanism.plaintext;
  }

  /** Mechanisms usable right now, in the configured order. */
  usable(secure: boolean): AuthMechanism[] {
    const out: AuthMechanism[] = [];
    for (const mechanism of this.#mechanisms.values()) {
      if (mechanism.available !== false && this.allowed(mechanism, secure)) out.push(mechanism);
    }
    return out;
  }

  /** CAPA in Exchange's order: TOP, UIDL, SASL, USER, STLS, then PIPELINING and the response-code tags. */
  capa(secure: boolean, loggedIn: boolean): Buffer {
    const names = loggedIn ? [] : this.usable(secure).map((m) => m.name);
    return this.#cached(`capa:${secure}:${loggedIn}:${names.join(' ')}`, () => {
      const lines = ['TOP', 'UIDL'];
      if (names.length > 0) lines.push(`SASL ${names.join(' ')}`);
      if (!loggedIn && this.plaintextAllowed(secure)) lines.push('USER');
      if (!loggedIn && !secure && this.#options.startTls) lines.push('STLS');
      lines.push('PIPELINING');
      if (this.#options.responseCodes) lines.push('RESP-CODES', 'AUTH-RESP-CODE');
      return renderMultiline(OK, lines);
    });
  }

  /** Bare AUTH (MS-OXPOP3 1.7): "+OK", one usable mechanism per line, ".". */
  authList(secure: boolean): Buffer {
    const names = this.usable(secure).map((m) => m.name);
    return this.#cached(`auth:${names.join(' ')}`, () => renderMultiline(OK, names));
  }

  #cached(key: string, build: () => Buffer): Buffer {
    let value = this.#cache.get(key);
    if (!value) {
      value = build();
      this.#cache.set(key, value);
    }
    return value;
  }
}
