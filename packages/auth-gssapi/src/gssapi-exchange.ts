import type { GssAcceptor } from '@poplar/gssapi';
import type { AuthContext, AuthExchange, AuthFailureReason, AuthStep, Identity } from '@poplar/session';
import { failureReason } from './failure-reason.js';
import { mapPrincipal, type PrincipalMapping } from './principal-mapper.js';
import { LAYER_OFFER, parseLayerChoice } from './security-layer.js';

/** An authenticated Kerberos user: the mailbox user plus the principal it came from (for logs). */
export interface GssapiIdentity extends Identity {
  readonly principal: string;
}

/** Why one exchange failed, for logs. Never sent to the client. */
export interface GssapiFailure {
  readonly reason: AuthFailureReason;
  readonly message: string;
  /** The client principal, once the Kerberos exchange has authenticated it. */
  readonly principal?: string;
  /** The underlying error (a GssError for GSS-API failures). */
  readonly error?: unknown;
  readonly connectionId: string;
}

export interface ExchangeSettings extends PrincipalMapping {
  /** The service part the client's ticket must name ('pop' in 'pop/host@REALM'). */
  readonly serviceName: string;
  readonly allowAuthzid?: AllowAuthzid | undefined;
  readonly onFailure?: ((failure: GssapiFailure) => void) | undefined;
}

/** May the authenticated user act as `authzid` (another mailbox)? Then the session belongs to `authzid`. */
export type AllowAuthzid = (
  authzid: string,
  authenticated: { readonly user: string; readonly principal: string },
) => boolean;

type State = 'accepting' | 'awaiting-empty' | 'awaiting-choice' | 'done';

/**
 * One RFC 4752 exchange: Kerberos tokens until the context is established, the final token (if any) answered by a
 * zero-length response, then the wrapped security-layer offer and the client's wrapped choice plus authzid.
 */
export class GssapiExchange implements AuthExchange {
  readonly #acceptor: GssAcceptor;
  readonly #settings: ExchangeSettings;
  readonly #ctx: AuthContext;
  readonly #onAbort = () => this.dispose();
  #state: State = 'accepting';
  #disposed = false;
  #principal: string | undefined;
  #user: string | undefined;

  constructor(acceptor: GssAcceptor, settings: ExchangeSettings, ctx: AuthContext) {
    this.#acceptor = acceptor;
    this.#settings = settings;
    this.#ctx = ctx;
    // The session disposes the exchange anyway; a gone connection frees the context at once.
    ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  async step(response: Uint8Array | null): Promise<AuthStep> {
    try {
      switch (this.#state) {
        case 'accepting':
          return await this.#accept(response);
        case 'awaiting-empty':
          if (response !== null && response.length > 0) {
            return this.#fail('credentials', 'expected a zero-length response');
          }
          return this.#offerLayer();
        case 'awaiting-choice':
          return this.#choose(response);
        case 'done':
          return this.#fail('credentials', 'the exchange is over');
      }
    } catch (error) {
      return this.#fail(failureReason(error), error instanceof Error ? error.message : String(error), error);
    }
  }

  dispose(): void {
    this.#state = 'done';
    this.#disposed = true;
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    this.#acceptor.dispose();
  }

  async #accept(response: Uint8Array | null): Promise<AuthStep> {
    // GSS-API reports an empty token as a missing credential; it is simply a bad response.
    if (response === null || response.length === 0) return this.#fail('credentials', 'no Kerberos token');
    const result = await this.#acceptor.step(response);
    if (this.#disposed) return this.#fail('temporary', 'the exchange was disposed');
    if (!result.complete) return { kind: 'challenge', data: result.token };

    const acceptor = this.#acceptor;
    if (!acceptor.isKrb5()) return this.#fail('credentials', `mechanism ${acceptor.mechanism()} is not Kerberos V5`);
    const target = acceptor.targetName();
    if (serviceOf(target) !== this.#settings.serviceName) {
      return this.#fail('credentials', `ticket is for ${target}, not for service ${this.#settings.serviceName}`);
    }
    this.#principal = acceptor.initiatorName();
    const user = mapPrincipal(this.#principal, this.#settings, () => acceptor.localName());
    if (user === null) return this.#fail('credentials', `no mailbox user for principal ${this.#principal}`);
    this.#user = user;
    if (result.token.length > 0) {
      this.#state = 'awaiting-empty';
      return { kind: 'challenge', data: result.token };
    }
    return this.#offerLayer();
  }

  #offerLayer(): AuthStep {
    this.#state = 'awaiting-choice';
    return { kind: 'challenge', data: this.#acceptor.wrap(LAYER_OFFER, { conf: false }) };
  }

  #choose(response: Uint8Array | null): AuthStep {
    if (response === null || response.length === 0) return this.#fail('credentials', 'no security-layer answer');
    const choice = parseLayerChoice(this.#acceptor.unwrap(response).data);
    if (!choice.ok) return this.#fail('credentials', choice.problem);
    const principal = this.#principal as string;
    let user = this.#user as string;
    const { authzid } = choice;
    // fetchmail sends its -u name as authzid; user names compare without regard to ASCII case, like lookups do.
    if (authzid !== '' && authzid !== principal && authzid.toLowerCase() !== user.toLowerCase()) {
      if (!this.#settings.allowAuthzid?.(authzid, { user, principal })) {
        return this.#fail('credentials', `${principal} (user ${user}) may not act as ${authzid}`);
      }
      user = authzid;
    }
    this.#state = 'done';
    const identity: GssapiIdentity = { user, mechanism: 'GSSAPI', principal };
    return { kind: 'success', identity };
  }

  #fail(reason: AuthFailureReason, message: string, error?: unknown): AuthStep {
    this.#state = 'done';
    // A cancelled or abandoned exchange is not a failed login: nothing to report.
    if (!this.#disposed) {
      this.#settings.onFailure?.({
        reason,
        message,
        connectionId: this.#ctx.connection.id,
        ...(this.#principal === undefined ? {} : { principal: this.#principal }),
        ...(error === undefined ? {} : { error }),
      });
    }
    return { kind: 'failure', reason };
  }
}

/** 'pop' from 'pop/host@REALM'. */
function serviceOf(principal: string): string {
  const end = principal.search(/[/@]/);
  return end < 0 ? principal : principal.slice(0, end);
}
