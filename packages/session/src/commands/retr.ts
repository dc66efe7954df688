import { sendMessage } from '../send-message.js';
import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

/** RETR msn: "+OK size octets", the message as the encoder sends it, ".". */
export const retr: CommandSpec = {
  name: 'RETR',
  states: TRANSACTION,
  args: 'msn',
  async run(session, { index, msn }) {
    const head = Buffer.from(`+OK ${session.maildrop!.size(index)} octets\r\n`, 'latin1');
    if (await sendMessage(session, index, msn, head)) session.retrieved++;
  },
};
