import { sendMessage } from '../send-message.js';
import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

const OK = Buffer.from('+OK\r\n');

/**
 * TOP msn n: the header section, the blank line and n body lines. Streamed like RETR and stopped as soon as the
 * lines are sent, so fetchmail's "TOP msn 99999999" costs what RETR costs.
 */
export const top: CommandSpec = {
  name: 'TOP',
  states: TRANSACTION,
  args: 'msn count',
  async run(session, { index, msn, count }) {
    await sendMessage(session, index, msn, OK, count);
  },
};
