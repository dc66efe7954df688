import type { CommandSpec } from './command-spec.js';
import { PRE_AUTH } from './command-spec.js';

/** APOP is not supported (V0012): it would need plaintext-equivalent secrets on the server. */
export const apop: CommandSpec = {
  name: 'APOP',
  states: PRE_AUTH,
  args: 'any',
  run: (session) => session.reject('POP3_ERR_NOT_SUPPORTED'),
};
