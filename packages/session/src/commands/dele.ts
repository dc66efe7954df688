import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

const OK = Buffer.from('+OK\r\n');

/** DELE msn: marks the message; it is removed only by QUIT. Message numbers never change. */
export const dele: CommandSpec = {
  name: 'DELE',
  states: TRANSACTION,
  args: 'msn',
  async run(session, { index }) {
    session.markDeleted(index);
    await session.reply(OK);
  },
};
