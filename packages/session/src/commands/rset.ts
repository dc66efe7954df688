import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

const OK = Buffer.from('+OK\r\n');

/** RSET: unmarks every message marked deleted. */
export const rset: CommandSpec = {
  name: 'RSET',
  states: TRANSACTION,
  args: 'none',
  async run(session) {
    session.unmarkAll();
    await session.reply(OK);
  },
};
