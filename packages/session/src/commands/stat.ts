import type { CommandSpec } from './command-spec.js';
import { TRANSACTION } from './command-spec.js';

/** STAT: "+OK count size" and nothing after the size (V0004); deleted messages are left out. */
export const stat: CommandSpec = {
  name: 'STAT',
  states: TRANSACTION,
  args: 'none',
  async run(session) {
    const { count, size } = session.totals();
    await session.reply(Buffer.from(`+OK ${count} ${size}\r\n`));
  },
};
