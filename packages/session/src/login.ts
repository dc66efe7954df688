import { type Identity, StoreError } from './contracts.js';
import type { ErrorCode } from './errors.js';
import type { Session } from './session.js';

const STORE_ERRORS: Readonly<Record<StoreError['kind'], ErrorCode>> = {
  temporary: 'POP3_ERR_MAILDROP_TEMPORARY',
  permanent: 'POP3_ERR_MAILDROP_PERMANENT',
  'in-use': 'POP3_ERR_MAILDROP_IN_USE',
};

/**
 * The credentials are good (USER/PASS or AUTH): asks the host whether the user may hold another session, opens the
 * maildrop snapshot and enters TRANSACTION. A refusal or a store failure leaves the session in AUTHORIZATION and
 * is not a failed login.
 */
export async function logIn(
  session: Session,
  identity: Identity,
  ok: 'POP3_OK_LOGGED_ON' | 'POP3_OK_AUTHENTICATED',
): Promise<void> {
  const { hooks, store } = session.engine;
  session.state = 'AUTHORIZATION';
  let verdict: Awaited<ReturnType<NonNullable<typeof hooks.acquireUser>>>;
  try {
    verdict = (await hooks.acquireUser?.(identity, session.connection)) ?? true;
  } catch (error) {
    return loginUnavailable(session, error);
  }
  if (verdict !== true) {
    return session.reject(verdict === 'login-delay' ? 'POP3_ERR_LOGIN_DELAY' : 'POP3_ERR_TOO_MANY_SESSIONS');
  }
  session.acquired(identity);
  try {
    const maildrop = await store.open(identity, { connection: session.connection, signal: session.signal });
    session.enterTransaction(identity, maildrop);
  } catch (error) {
    session.releaseUser();
    session.emit({ type: 'error', error });
    return session.reject(error instanceof StoreError ? STORE_ERRORS[error.kind] : 'POP3_ERR_MAILDROP_TEMPORARY');
  }
  session.emit({ type: 'login', identity });
  await session.reply(session.engine.texts.ok(ok));
}

/**
 * A failed login (bad credentials, a cancelled or broken AUTH exchange): counted, reported, answered after the
 * failed-login delay plus the host's penalty (a timer: other sessions go on, and this one reads no input meanwhile,
 * nor while the host works out the penalty). The answer that reaches maxFailedLogins carries Exchange's closing
 * line and ends the session.
 */
export async function loginFailed(
  session: Session,
  code: ErrorCode,
  user: string | undefined,
  mechanism: string,
): Promise<void> {
  const { settings, hooks } = session.engine;
  session.state = 'AUTHORIZATION';
  session.failedLogins++;
  session.emit({ type: 'login-failed', user, mechanism });
  let delay = settings.failedLoginDelayMs;
  try {
    const extra = (await hooks.loginFailed?.(session.connection, user)) ?? 0;
    if (Number.isFinite(extra) && extra > 0) delay += extra;
  } catch (error) {
    session.emit({ type: 'error', error });
  }
  await session.channel.sleep(delay);
  if (session.failedLogins >= settings.maxFailedLogins) return session.closeWith(code);
  return session.reject(code);
}

/** The verifier or the mechanism could not decide (store or KDC down): not a failed login, the client may retry. */
export function loginUnavailable(session: Session, error?: unknown): Promise<void> {
  session.state = 'AUTHORIZATION';
  if (error !== undefined) session.emit({ type: 'error', error });
  return session.reject('POP3_ERR_AUTH_UNAVAILABLE');
}
