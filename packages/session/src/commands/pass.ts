import { logIn, loginFailed, loginUnavailable } from '../login.js';
import type { CommandSpec } from './command-spec.js';

/**
 * PASS password: the whole rest of the line is the password, spaces included (V0011), decoded as UTF-8. Where
 * LoginType forbids plaintext logins it is refused before the password is looked at, with the same answer whether
 * or not the mailbox exists. Unknown user and wrong password get the same answer.
 */
export const pass: CommandSpec = {
  name: 'PASS',
  states: ['AUTHORIZATION_USER'],
  args: 'rest',
  refuse: (session) =>
    session.engine.capabilities.plaintextAllowed(session.connection.secure) ? undefined : 'POP3_ERR_WRONG_STATE',
  async run(session, { rest }) {
    const name = session.pendingUser!;
    session.pendingUser = undefined;
    session.state = 'AUTHORIZATION';
    let result: Awaited<ReturnType<typeof session.engine.passwords.verify>>;
    try {
      const context = { connection: session.connection, signal: session.signal };
      result = await session.engine.passwords.verify(name, rest.toString('utf8'), context);
    } catch (error) {
      return loginUnavailable(session, error);
    }
    if (result.ok) return logIn(session, result.identity, 'POP3_OK_LOGGED_ON');
    if (result.reason === 'temporary') return loginUnavailable(session);
    return loginFailed(session, 'POP3_ERR_LOGON_FAILURE', name, 'USER');
  },
};
