import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

const OK = Buffer.from('+OK\r\n');

/** NOOP (RFC 1939: TRANSACTION only). Like any command, it resets the inactivity timer. */
export const noop: CommandSpec = {
  name: 'NOOP',
  states: TRANSACTION,
  args: 'none',
  run: (session) => session.reply(OK),
};
