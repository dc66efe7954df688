import type { CommandSpec } from './command-spec.js';
import { ANY_STATE } from './command-spec.js';

/**
 * QUIT. In TRANSACTION it enters UPDATE and commits exactly the messages marked deleted; if that fails the answer
 * is -ERR, never +OK (V0006). Nothing else ever commits: a dropped connection, a timeout or a shutdown only
 * releases the maildrop.
 */
export const quit: CommandSpec = {
  name: 'QUIT',
  states: ANY_STATE,
  args: 'none',
  async run(session) {
    session.end = 'quit';
    if (session.state === 'TRANSACTION') {
      session.state = 'UPDATE';
      const deleted = session.deletedIndexes();
      try {
        await session.maildrop!.commit(deleted);
      } catch (error) {
        session.emit({ type: 'error', error });
        return session.reject('POP3_ERR_COMMIT_FAILED');
      }
      session.committed = deleted.length;
    }
    await session.reply(session.engine.texts.ok('POP3_OK_SIGNING_OFF'));
  },
};
