import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { AuthContext, AuthExchange, AuthMechanism } from '@poplar/session';
import { NtlmExchange } from './ntlm-exchange.js';

/** What the user database knows about an NTLM account. */
export interface NtlmAccount {
  /** The mailbox owner's name: becomes the session identity's user. */
  readonly user: string;
  /** MD4(UTF-16LE(password)), 16 bytes; see ntHash(). */
  readonly ntHash: Uint8Array;
}

export interface NtlmMechanismOptions {
  /**
   * Finds an account by its bare user name (without `DOMAIN\` or `@domain`) and the domain the client named
   * (possibly ''). Resolve null for an unknown or disabled account; a rejection is a temporary failure.
   */
  readonly lookup: (user: string, domain: string) => Promise<NtlmAccount | null>;
  /** NetBIOS domain name: the CHALLENGE's TargetName and MsvAvNbDomainName. */
  readonly domain: string;
  /** NetBIOS computer name (MsvAvNbComputerName). */
  readonly computer: string;
  /** DNS domain name (MsvAvDnsDomainName); left out when absent. */
  readonly dnsDomain?: string;
  /** Fully qualified DNS host name (MsvAvDnsComputerName); left out when absent. */
  readonly dnsComputer?: string;
  /** Accept NTLMv1 and NTLMv1 with extended session security. Default false: they reveal the NT hash. */
  readonly allowNtlmV1?: boolean;
  /** Operator-facing notes: refused or accepted NTLMv1, clock skew, lookup errors. Never carries secrets. */
  readonly onWarning?: (message: string) => void;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  readonly randomBytes?: (size: number) => Uint8Array;
}

/** Options with defaults applied, shared by every exchange of one mechanism. */
export interface NtlmSettings {
  readonly lookup: NtlmMechanismOptions['lookup'];
  readonly domain: string;
  readonly computer: string;
  readonly dnsDomain: string | undefined;
  readonly dnsComputer: string | undefined;
  readonly allowNtlmV1: boolean;
  readonly warn: (message: string) => void;
  readonly now: () => number;
  readonly randomBytes: (size: number) => Uint8Array;
  /** Stands in for the NT hash of an unknown user, so that failure costs the same work. */
  readonly dummyNtHash: Uint8Array;
}

/** The SASL NTLM mechanism (MS-OXPOP3 over RFC 5034): NEGOTIATE -> CHALLENGE -> AUTHENTICATE. */
export function createNtlmMechanism(options: NtlmMechanismOptions): AuthMechanism {
  if (typeof options.lookup !== 'function') throw new TypeError('NTLM: lookup must be a function');
  for (const key of ['domain', 'computer'] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') throw new TypeError(`NTLM: ${key} is required`);
  }
  const randomBytes = options.randomBytes ?? ((size: number) => nodeRandomBytes(size));
  const settings: NtlmSettings = {
    lookup: options.lookup,
    domain: options.domain,
    computer: options.computer,
    dnsDomain: options.dnsDomain || undefined,
    dnsComputer: options.dnsComputer || undefined,
    allowNtlmV1: options.allowNtlmV1 ?? false,
    warn: options.onWarning ?? (() => {}),
    now: options.now ?? Date.now,
    randomBytes,
    dummyNtHash: Uint8Array.from(randomBytes(16)),
  };
  return {
    name: 'NTLM',
    plaintext: false,
    clientFirst: true,
    start(_ctx: AuthContext): AuthExchange {
      return new NtlmExchange(settings);
    },
  };
}
