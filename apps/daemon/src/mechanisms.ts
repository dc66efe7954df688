import type { UserDatabase } from '@poplar/auth';
import type { AuthContext, AuthExchange, AuthMechanism, AuthStep, PasswordVerifier } from '@poplar/session';
import type { DaemonConfig, MechanismName } from './config/daemon-config.js';
import type { Logger } from './logger.js';

export interface MechanismDeps {
  readonly config: DaemonConfig;
  readonly users: UserDatabase;
  readonly passwords: PasswordVerifier;
  readonly ntKey: Uint8Array | undefined;
  readonly logger: Logger;
}

type Factory = (deps: MechanismDeps) => Promise<AuthMechanism | string>;

/** Each factory loads its package lazily, so a missing package or native part costs one mechanism, not the server. */
const FACTORIES: Record<MechanismName, Factory> = {
  async PLAIN({ passwords }) {
    const { createPlainMechanism } = await import('@poplar/auth-plain');
    return createPlainMechanism({ verifier: passwords });
  },
  async NTLM({ config, users, ntKey, logger }) {
    if (ntKey === undefined) return 'no NT hash key is configured (NtHashKeyFile or POPLAR_NT_KEY)';
    const { createNtlmMechanism } = await import('@poplar/auth-ntlm');
    const { ntlm } = config;
    return createNtlmMechanism({
      // One server, one user database: the domain the client names does not select anything.
      lookup: (user) => users.ntlmAccount(user),
      domain: ntlm.domain,
      computer: ntlm.computerName,
      allowNtlmV1: ntlm.allowNtlmV1,
      onWarning: (message) => logger.warn('ntlm', { message }),
      ...(ntlm.dnsDomainName === undefined ? {} : { dnsDomain: ntlm.dnsDomainName }),
      ...(ntlm.dnsComputerName === undefined ? {} : { dnsComputer: ntlm.dnsComputerName }),
    });
  },
  async GSSAPI({ config, users, logger }) {
    const { createGssapiMechanism } = await import('@poplar/auth-gssapi');
    const { gssapi } = config;
    const mechanism = createGssapiMechanism({
      keytab: gssapi.keytab,
      serviceName: gssapi.serviceName,
      principalMap: Object.fromEntries(gssapi.principalMap),
      useAuthToLocal: gssapi.useAuthToLocal,
      onFailure: ({ connectionId, reason, message, principal, error }) =>
        logger.info('gssapi-failure', { id: connectionId, reason, message, principal, error }),
      ...(gssapi.realm === undefined ? {} : { realm: gssapi.realm }),
    });
    if (!mechanism.available) return mechanism.unavailableReason ?? 'its native part is not available';
    return requireKnownUser(mechanism, users);
  },
};

/**
 * Kerberos vouches for the principal, not for a mailbox: the mapped user must also be an enabled account of the users
 * file (its password is not used), and gets the file's spelling of the name.
 */
function requireKnownUser(mechanism: AuthMechanism, users: Pick<UserDatabase, 'get'>): AuthMechanism {
  return {
    name: mechanism.name,
    plaintext: mechanism.plaintext,
    clientFirst: mechanism.clientFirst,
    start(ctx: AuthContext): AuthExchange {
      const exchange = mechanism.start(ctx);
      const step = async (response: Uint8Array | null): Promise<AuthStep> => {
        const result = await (response === null ? exchange.step(null) : exchange.step(response));
        if (result.kind !== 'success') return result;
        const account = users.get(result.identity.user);
        if (account === undefined || account.disabled) return { kind: 'failure', reason: 'credentials' };
        return { kind: 'success', identity: { ...result.identity, user: account.user } };
      };
      return { step: step as AuthExchange['step'], dispose: () => exchange.dispose() };
    },
  };
}

/**
 * The configured SASL mechanisms in CAPA order. One that cannot work here (package or native part missing, NT key
 * missing) is left out with one warning naming the reason.
 */
export async function loadMechanisms(deps: MechanismDeps): Promise<AuthMechanism[]> {
  const mechanisms: AuthMechanism[] = [];
  for (const name of deps.config.mechanisms) {
    let result: AuthMechanism | string;
    try {
      result = await FACTORIES[name](deps);
    } catch (err) {
      result = `cannot load it: ${(err as Error).message}`;
    }
    if (typeof result !== 'string' && result.available === false) result = 'its native part is not available';
    if (typeof result === 'string') deps.logger.warn('mechanism-unavailable', { mechanism: name, reason: result });
    else mechanisms.push(result);
  }
  return mechanisms;
}
