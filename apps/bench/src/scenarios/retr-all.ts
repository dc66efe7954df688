import { fetchMailbox } from './fetch-mailbox.js';
import { runLoops, type ScenarioContext } from './scenario-context.js';

/** C sessions fetch whole maildrops in a loop until the window ends, or each maildrop once with `once`. */
export async function retrAll(context: ScenarioContext): Promise<void> {
  const { users } = context;
  await runLoops(context, async () => {
    const index = context.once ? users.once() : users.take();
    if (index === undefined) return false;
    try {
      await fetchMailbox(context, users.account(index), false);
    } finally {
      users.give(index);
    }
    return true;
  });
}
