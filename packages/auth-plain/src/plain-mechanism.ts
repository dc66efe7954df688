import {
  type AuthContext,
  type AuthExchange,
  type AuthMechanism,
  type AuthStep,
  type PasswordVerifier,
  saslPrep,
} from '@poplar/auth';
import { parsePlainMessage } from './parse-plain-message.js';

export interface PlainMechanismOptions {
  /** Checks the password. Give it the same verifier as USER/PASS so both use one user database. */
  readonly verifier: PasswordVerifier;
  /**
   * Whether the authenticated user `authcid` (its canonical name) may act as the different user `authzid`, e.g. a
   * master user. Without it, an authzid other than the authcid is refused.
   */
  readonly allowAuthzid?: (authzid: string, authcid: string) => boolean | Promise<boolean>;
}

const FAILURE: AuthStep = Object.freeze({ kind: 'failure', reason: 'credentials' });
const EMPTY_CHALLENGE: AuthStep = Object.freeze({ kind: 'challenge', data: new Uint8Array(0) });

/** SASL PLAIN (RFC 4616): one client message `[authzid] NUL authcid NUL passwd`, then success or failure. */
export function createPlainMechanism(options: PlainMechanismOptions): AuthMechanism {
  const { verifier, allowAuthzid } = options;

  async function authenticate(message: Uint8Array, ctx: AuthContext): Promise<AuthStep> {
    const fields = parsePlainMessage(message);
    if (!fields) return FAILURE;
    const authcid = saslPrep(fields.authcid);
    const password = saslPrep(fields.password);
    const authzid = fields.authzid === '' ? '' : saslPrep(fields.authzid);
    if (authcid === null || password === null || authzid === null) return FAILURE;

    const verdict = await verifier.verify(authcid, password, ctx);
    if (!verdict.ok) return { kind: 'failure', reason: verdict.reason };
    const user = verdict.identity.user;
    if (authzid === '' || authzid === authcid || authzid === user) {
      return { kind: 'success', identity: { user, mechanism: 'PLAIN' } };
    }
    if (allowAuthzid && (await allowAuthzid(authzid, user))) {
      return { kind: 'success', identity: { user: authzid, mechanism: 'PLAIN' } };
    }
    return FAILURE;
  }

  return {
    name: 'PLAIN',
    plaintext: true,
    clientFirst: true,
    start(ctx: AuthContext): AuthExchange {
      let asked = false;
      let finished = false;
      return {
        async step(response: Uint8Array | null): Promise<AuthStep> {
          if (finished || ctx.signal.aborted) return FAILURE;
          // The session sends the empty challenge itself for client-first mechanisms; this covers a host that does not.
          if (response === null && !asked) {
            asked = true;
            return EMPTY_CHALLENGE;
          }
          finished = true;
          return response === null ? FAILURE : authenticate(response, ctx);
        },
        dispose(): void {
          finished = true;
        },
      };
    },
  };
}
