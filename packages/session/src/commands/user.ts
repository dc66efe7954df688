import type { CommandSpec } from './command-spec.js';
import { PRE_AUTH } from './command-spec.js';

const OK = Buffer.from('+OK\r\n');

/**
 * USER name: always a bare "+OK" (V0008/V0009), even where USER/PASS is not allowed: whether the mailbox exists
 * is never revealed, and the verdict comes at PASS.
 */
export const user: CommandSpec = {
  name: 'USER',
  states: PRE_AUTH,
  args: 'word',
  async run(session, { args }) {
    session.pendingUser = args[0]!;
    session.state = 'AUTHORIZATION_USER';
    await session.reply(OK);
  },
};
