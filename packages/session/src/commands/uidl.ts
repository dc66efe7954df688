import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';
import { sendListing } from './listing.js';

const OK = Buffer.from('+OK\r\n');

/** UIDL [msn]: "msn uid" with the unique-ids exactly as the store gives them (C0007). */
export const uidl: CommandSpec = {
  name: 'UIDL',
  states: TRANSACTION,
  args: 'msn?',
  async run(session, { index, msn }) {
    const maildrop = session.maildrop!;
    if (index >= 0) return session.reply(Buffer.from(`+OK ${msn} ${maildrop.uid(index)}\r\n`, 'latin1'));
    await session.reply(OK);
    await sendListing(session, (i) => maildrop.uid(i));
  },
};
