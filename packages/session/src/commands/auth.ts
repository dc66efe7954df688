import { authenticate } from '../sasl.js';
import type { CommandSpec } from './command-spec.js';

/**
 * AUTH [mechanism [initial-response]] (RFC 5034). Bare AUTH lists the usable mechanisms (MS-OXPOP3 1.7). A
 * mechanism that is unknown or unavailable is a protocol error; one that LoginType does not allow on this
 * connection is "not valid in this state", as Exchange answers AUTH PLAIN before TLS.
 */
export const auth: CommandSpec = {
  name: 'AUTH',
  states: ['AUTHORIZATION'],
  args: 'auth',
  async run(session, { args }) {
    const { capabilities } = session.engine;
    const secure = session.connection.secure;
    if (args.length === 0) return session.reply(capabilities.authList(secure));
    const mechanism = capabilities.find(args[0]!);
    if (!mechanism || mechanism.available === false) return session.reject('POP3_ERR_UNKNOWN_MECHANISM');
    if (!capabilities.allowed(mechanism, secure)) return session.reject('POP3_ERR_WRONG_STATE');
    return authenticate(session, mechanism, args[1]);
  },
};
