import type { CommandSpec } from './command-spec.js';
import { ANY_STATE } from './command-spec.js';

/** CAPA (RFC 2449): USER, SASL and STLS only where they can be used on this connection right now. */
export const capa: CommandSpec = {
  name: 'CAPA',
  states: ANY_STATE,
  args: 'none',
  run: (session) => session.reply(session.engine.capabilities.capa(session.connection.secure, session.loggedIn)),
};
