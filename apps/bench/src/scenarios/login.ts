import { performance } from 'node:perf_hooks';
import { Pop3Client } from '../client/pop3-client.js';
import { runLoops, type ScenarioContext } from './scenario-context.js';

/** Connect, log in (USER/PASS or AUTH PLAIN), QUIT, as fast as C concurrent loops can. */
export async function login(context: ScenarioContext): Promise<void> {
  const { users, recorder } = context;
  await runLoops(context, async () => {
    // Logins do not hold a maildrop, so the account goes back at once; take() only spreads them evenly.
    const index = users.take() ?? 0;
    users.give(index);
    const account = users.account(index);
    const started = performance.now();
    const client = await Pop3Client.connect(context.address, recorder);
    try {
      await client.login(account.name, account.password, context.auth);
      await client.quit();
    } finally {
      client.destroy();
    }
    recorder.latency('SESSION', Math.round((performance.now() - started) * 1000));
    recorder.session();
    return true;
  });
}
