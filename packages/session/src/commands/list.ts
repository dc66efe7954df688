import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';
import { sendListing } from './listing.js';

/** LIST [msn]: scan listings "msn size" with nothing after the size (V0005); deleted messages are left out. */
export const list: CommandSpec = {
  name: 'LIST',
  states: TRANSACTION,
  args: 'msn?',
  async run(session, { index, msn }) {
    const maildrop = session.maildrop!;
    if (index >= 0) return session.reply(Buffer.from(`+OK ${msn} ${maildrop.size(index)}\r\n`, 'latin1'));
    const { count, size } = session.totals();
    await session.reply(Buffer.from(`+OK ${count} ${size}\r\n`, 'latin1'));
    await sendListing(session, (i) => maildrop.size(i));
  },
};
