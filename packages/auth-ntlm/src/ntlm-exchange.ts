import type { AuthExchange, AuthStep } from '@poplar/session';
import { type AuthenticateMessage, MIC_END, parseAuthenticateMessage } from './authenticate-message.js';
import { AvId, type AvPair, encodeAvPairs } from './av-pairs.js';
import { buildChallengeMessage } from './challenge-message.js';
import { fromFiletime, toFiletime } from './filetime.js';
import { exportedSessionKey, verifyMic } from './mic.js';
import { parseNegotiateMessage } from './negotiate-message.js';
import { challengeFlags } from './ntlm-flags.js';
import type { NtlmAccount, NtlmSettings } from './ntlm-mechanism.js';
import { NTLMV1_RESPONSE_LENGTH, verifyNtlmV1 } from './ntlm-v1.js';
import { parseNtlmV2Response, verifyNtlmV2 } from './ntlm-v2.js';
import { type AccountName, splitUserName } from './user-name.js';

const FAILURE: AuthStep = { kind: 'failure', reason: 'credentials' };
const TEMPORARY: AuthStep = { kind: 'failure', reason: 'temporary' };

/**
 * How far the client's NTLMv2 timestamp may be from our clock. Clients that copy the CHALLENGE's MsvAvTimestamp
 * (curl, Windows) are always close; the others use their own clock. Defence in depth only: the server challenge is
 * already single use.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

type State =
  | { readonly phase: 'negotiate' }
  | {
      readonly phase: 'authenticate';
      readonly negotiate: Uint8Array;
      readonly challenge: Uint8Array;
      readonly serverChallenge: Uint8Array;
    }
  | { readonly phase: 'done' };
type ChallengeSent = Extract<State, { phase: 'authenticate' }>;

/** One AUTH NTLM attempt: NEGOTIATE in, CHALLENGE out, AUTHENTICATE in, verdict out. Anything else fails. */
export class NtlmExchange implements AuthExchange {
  readonly #settings: NtlmSettings;
  #state: State = { phase: 'negotiate' };

  constructor(settings: NtlmSettings) {
    this.#settings = settings;
  }

  async step(response: Uint8Array | null): Promise<AuthStep> {
    const state = this.#state;
    // Every message is accepted once; whatever happens next, this phase is over.
    this.#state = { phase: 'done' };
    if (response === null) return FAILURE;
    try {
      if (state.phase === 'negotiate') return this.#challenge(response);
      if (state.phase === 'authenticate') {
        try {
          return await this.#authenticate(response, state);
        } finally {
          state.serverChallenge.fill(0);
        }
      }
      return FAILURE;
    } catch (error) {
      this.#settings.warn(`NTLM: internal error: ${describe(error)}`);
      return TEMPORARY;
    }
  }

  dispose(): void {
    if (this.#state.phase === 'authenticate') this.#state.serverChallenge.fill(0);
    this.#state = { phase: 'done' };
  }

  #challenge(negotiateBytes: Uint8Array): AuthStep {
    const negotiate = parseNegotiateMessage(negotiateBytes);
    if (negotiate === null) return FAILURE;
    const { domain, computer, dnsDomain, dnsComputer, now, randomBytes } = this.#settings;
    const pairs: AvPair[] = [
      { id: AvId.NB_DOMAIN_NAME, value: utf16(domain) },
      { id: AvId.NB_COMPUTER_NAME, value: utf16(computer) },
    ];
    if (dnsDomain !== undefined) pairs.push({ id: AvId.DNS_DOMAIN_NAME, value: utf16(dnsDomain) });
    if (dnsComputer !== undefined) pairs.push({ id: AvId.DNS_COMPUTER_NAME, value: utf16(dnsComputer) });
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigUint64(0, toFiletime(now()), true);
    pairs.push({ id: AvId.TIMESTAMP, value: timestamp });

    const serverChallenge = Uint8Array.from(randomBytes(8));
    if (serverChallenge.length !== 8) throw new Error('randomBytes(8) returned the wrong size');
    const challenge = buildChallengeMessage({
      flags: challengeFlags(negotiate.flags),
      serverChallenge,
      targetName: domain,
      targetInfo: encodeAvPairs(pairs),
    });
    // Copy: the caller's buffer may be reused, and the MIC covers these exact bytes.
    this.#state = { phase: 'authenticate', negotiate: Uint8Array.from(negotiateBytes), challenge, serverChallenge };
    return { kind: 'challenge', data: challenge };
  }

  async #authenticate(bytes: Uint8Array, state: ChallengeSent): Promise<AuthStep> {
    const message = parseAuthenticateMessage(bytes);
    // No user name or no NT response: anonymous or LM only, neither of which proves a password.
    if (message === null || message.user === '' || message.ntResponse.length === 0) return FAILURE;
    const name = splitUserName(message.user, message.domain);
    if (name === null) return FAILURE;
    if (message.ntResponse.length === NTLMV1_RESPONSE_LENGTH) return this.#authenticateV1(message, name, state);

    const response = parseNtlmV2Response(message.ntResponse);
    if (response === null) return FAILURE;
    const { now, warn, dummyNtHash } = this.#settings;
    const skew = Math.abs(fromFiletime(response.timestamp) - now());
    if (!(skew <= MAX_CLOCK_SKEW_MS)) {
      warn(`NTLM: refused ${quote(message.user)}: client timestamp is ${Math.round(skew / 1000)} s off`);
      return FAILURE;
    }
    // The MIC sits at 72..88, so the payload must start after it.
    if (response.micPresent && message.payloadStart < MIC_END) return FAILURE;

    const account = await this.#lookup(name);
    if (account === 'error') return TEMPORARY;
    // An unknown user costs the same HMAC work as a wrong password.
    const sessionBaseKey = verifyNtlmV2(
      account?.ntHash ?? dummyNtHash,
      message.user,
      message.domain,
      state.serverChallenge,
      response,
    );
    if (account === null || sessionBaseKey === null) return FAILURE;
    if (response.micPresent) {
      const key = exportedSessionKey(sessionBaseKey, message.flags, message.encryptedRandomSessionKey);
      if (!verifyMic(key, state.negotiate, state.challenge, bytes)) return FAILURE;
    }
    return success(account);
  }

  async #authenticateV1(message: AuthenticateMessage, name: AccountName, state: ChallengeSent): Promise<AuthStep> {
    const { allowNtlmV1, warn, dummyNtHash } = this.#settings;
    if (!allowNtlmV1) {
      warn(`NTLM: refused an NTLMv1 response for ${quote(message.user)} (NTLMv1 is disabled)`);
      return FAILURE;
    }
    const account = await this.#lookup(name);
    if (account === 'error') return TEMPORARY;
    const ok = verifyNtlmV1(
      account?.ntHash ?? dummyNtHash,
      state.serverChallenge,
      message.flags,
      message.lmResponse,
      message.ntResponse,
    );
    if (account === null || !ok) return FAILURE;
    warn(`NTLM: accepted an NTLMv1 response for ${quote(account.user)}; NTLMv1 is weak, prefer NTLMv2`);
    return success(account);
  }

  /** The account, null when unknown or unusable, 'error' when the user database failed. */
  async #lookup(name: AccountName): Promise<NtlmAccount | null | 'error'> {
    let account: NtlmAccount | null | undefined;
    try {
      account = await this.#settings.lookup(name.user, name.domain);
    } catch (error) {
      this.#settings.warn(`NTLM: account lookup failed: ${describe(error)}`);
      return 'error';
    }
    if (!account) return null;
    if (!(account.ntHash instanceof Uint8Array) || account.ntHash.length !== 16) {
      this.#settings.warn(`NTLM: the NT hash of ${quote(account.user)} is not 16 bytes; login refused`);
      return null;
    }
    return account;
  }
}

const success = (account: NtlmAccount): AuthStep => ({
  kind: 'success',
  identity: { user: account.user, mechanism: 'NTLM' },
});

const utf16 = (text: string): Uint8Array => Buffer.from(text, 'utf16le');

/** Client-supplied names go into logs escaped, so they cannot forge log lines. */
const quote = (text: string): string => JSON.stringify(text);

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
