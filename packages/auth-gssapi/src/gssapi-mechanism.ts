import { accessSync, constants } from 'node:fs';
import { type GssapiBinding, type LoadGssapiResult, loadGssapi } from '@poplar/gssapi';
import type { AuthContext, AuthExchange, AuthMechanism } from '@poplar/session';
import { type AllowAuthzid, GssapiExchange, type GssapiFailure } from './gssapi-exchange.js';

export interface GssapiMechanismOptions {
  /** Keytab with the service keys (pop/<host>@REALM), a path or a typed name ('FILE:/etc/poplar/pop.keytab'). */
  readonly keytab: string;
  /** The service the client's ticket must be for; default 'pop' (RFC 5034). */
  readonly serviceName?: string;
  /** Realm whose principals map to users by dropping '@REALM'; default: default_realm from krb5.conf. */
  readonly realm?: string;
  /** Principal -> user, checked first: { 'bob@PARTNER.ORG': 'bob' }. Keys are full principals. */
  readonly principalMap?: Readonly<Record<string, string>>;
  /** Map principals with the krb5 auth_to_local rules (gss_localname) instead of dropping the realm. */
  readonly useAuthToLocal?: boolean;
  /** The binding to use: a loaded binding or the result of loadGssapi(). Default: loadGssapi(). */
  readonly binding?: GssapiBinding | LoadGssapiResult;
  /**
   * Lets a user act as another mailbox named by the authzid. Without it (or when it says no) the authzid must be
   * empty, the user, or the principal.
   */
  readonly allowAuthzid?: AllowAuthzid;
  /** Each failed exchange, with the library's detail, for logs. */
  readonly onFailure?: (failure: GssapiFailure) => void;
}

/** The GSSAPI mechanism; `unavailableReason` says why it is left out of CAPA when `available` is false. */
export interface GssapiMechanism extends AuthMechanism {
  readonly available: boolean;
  readonly unavailableReason: string | null;
}

/**
 * SASL GSSAPI (RFC 4752) with Kerberos V5, offering no security layer. When the native binding cannot load or the
 * keytab cannot be read, the mechanism is unavailable (left out of CAPA) and unavailableReason says why.
 */
export function createGssapiMechanism(options: GssapiMechanismOptions): GssapiMechanism {
  const loaded = resolveBinding(options.binding);
  const problem = loaded.ok ? keytabProblem(options.keytab) : loaded.reason;
  if (!loaded.ok || problem) {
    return {
      name: 'GSSAPI',
      plaintext: false,
      clientFirst: true,
      available: false,
      unavailableReason: problem,
      start: () => {
        throw new Error(`GSSAPI is unavailable: ${problem}`);
      },
    };
  }
  const binding = loaded.binding;
  const settings = {
    serviceName: options.serviceName ?? 'pop',
    realm: options.realm ?? binding.defaultRealm(),
    principalMap: options.principalMap,
    useAuthToLocal: options.useAuthToLocal,
    allowAuthzid: options.allowAuthzid,
    onFailure: options.onFailure,
  };
  return {
    name: 'GSSAPI',
    plaintext: false,
    clientFirst: true,
    available: true,
    unavailableReason: null,
    start: (ctx: AuthContext): AuthExchange =>
      new GssapiExchange(binding.createAcceptor({ keytab: options.keytab }), settings, ctx),
  };
}

function resolveBinding(binding: GssapiMechanismOptions['binding']): LoadGssapiResult {
  if (binding === undefined) return loadGssapi();
  return 'ok' in binding ? binding : { ok: true, binding };
}

/** Typed keytab names other than FILE: are left to the library; a file must be readable now. */
function keytabProblem(keytab: string): string | null {
  const typed = /^([A-Za-z][A-Za-z0-9]+):(.*)$/.exec(keytab);
  if (typed && !/^(FILE|WRFILE)$/i.test(typed[1] as string)) return null;
  const path = typed ? (typed[2] as string) : keytab;
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch (error) {
    return `keytab ${path} is not readable (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
