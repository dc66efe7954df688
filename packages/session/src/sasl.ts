import { decodeBase64, encodeBase64 } from '@poplar/wire';
import type { AuthExchange, AuthMechanism, AuthStep } from './contracts.js';
import type { ErrorCode } from './errors.js';
import { logIn, loginFailed, loginUnavailable } from './login.js';
import type { Session } from './session.js';

const EMPTY = new Uint8Array(0);

/**
 * A SASL response as RFC 5034 frames it: "=" (or an empty line) is a zero-length response; anything else must be
 * strict base64. Null when it is not.
 */
function decodeResponse(text: string): Uint8Array | null {
  return text === '' || text === '=' ? EMPTY : decodeBase64(text);
}

/** Sends a "+ " challenge and reads the client's answer: data, or why the exchange ends. */
async function challenge(session: Session, data: Uint8Array): Promise<Uint8Array | ErrorCode> {
  await session.reply(Buffer.from(`+ ${encodeBase64(data)}\r\n`, 'latin1'));
  const event = await session.channel.readLine();
  if (event.kind === 'too-long') return 'POP3_ERR_AUTH_LINE_TOO_LONG';
  const text = event.line.toString('latin1');
  if (text === '*') return 'POP3_ERR_AUTH_CANCELED';
  return decodeResponse(text) ?? 'POP3_ERR_AUTH_BAD_DATA';
}

function step(exchange: AuthExchange, response: Uint8Array | null): Promise<AuthStep> {
  return response === null ? exchange.step(null) : exchange.step(response);
}

/**
 * Runs one AUTH exchange (RFC 5034) with a mechanism already known to be usable here. The session owns the
 * framing: base64 both ways, the "+ " continuations, "=" and "*", the step and line limits. The mechanism only sees
 * decoded bytes, and nothing of the exchange is ever reported in events.
 */
export async function authenticate(
  session: Session,
  mechanism: AuthMechanism,
  initialResponse: string | undefined,
): Promise<void> {
  const failed = (code: ErrorCode): Promise<void> => loginFailed(session, code, undefined, mechanism.name);
  let response: Uint8Array | null = null;
  if (initialResponse !== undefined) {
    if (!mechanism.clientFirst) return session.reject('POP3_ERR_AUTH_INITIAL_RESPONSE');
    response = decodeResponse(initialResponse);
    if (response === null) return failed('POP3_ERR_AUTH_BAD_DATA');
  }
  let exchange: AuthExchange;
  try {
    exchange = mechanism.start({ connection: session.connection, signal: session.signal });
  } catch (error) {
    return loginUnavailable(session, error);
  }
  try {
    // A client-first mechanism without an initial response: the empty challenge asks for it.
    if (mechanism.clientFirst && response === null) {
      const first = await challenge(session, EMPTY);
      if (typeof first === 'string') return failed(first);
      response = first;
    }
    for (let steps = 1; ; steps++) {
      let result: AuthStep;
      try {
        result = await step(exchange, response);
      } catch (error) {
        return loginUnavailable(session, error);
      }
      if (result.kind === 'success') return logIn(session, result.identity, 'POP3_OK_AUTHENTICATED');
      if (result.kind === 'failure') {
        return result.reason === 'temporary' ? loginUnavailable(session) : failed('POP3_ERR_AUTH_FAILURE');
      }
      if (steps >= session.engine.settings.maxAuthSteps) return failed('POP3_ERR_AUTH_TOO_MANY_STEPS');
      const next = await challenge(session, result.data);
      if (typeof next === 'string') return failed(next);
      response = next;
    }
  } finally {
    try {
      exchange.dispose();
    } catch (error) {
      session.emit({ type: 'error', error });
    }
  }
}
