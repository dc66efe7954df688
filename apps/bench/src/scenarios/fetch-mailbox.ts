import { performance } from 'node:perf_hooks';
import { Pop3Client } from '../client/pop3-client.js';
import { checkMailbox } from '../protocol/mailbox-check.js';
import type { ScenarioContext } from './scenario-context.js';
import type { Account } from './user-pool.js';

/**
 * One POP3 session that fetches a whole maildrop: log in, STAT, LIST, UIDL, RETR (or TOP) every message,
 * optionally DELE every message, QUIT. When the window ends mid-way it stops fetching and quits without deleting.
 * Returns the number of messages deleted.
 */
export async function fetchMailbox(context: ScenarioContext, account: Account, deleteAll: boolean): Promise<number> {
  const { recorder } = context;
  const started = performance.now();
  const client = await Pop3Client.connect(context.address, recorder);
  try {
    await client.login(account.name, account.password, context.auth);
    const stat = await client.stat();
    const sizes = checkMailbox(stat, await client.list(), await client.uidl());
    let fetched = 0;
    for (; fetched < sizes.length && !recorder.expired; fetched++) {
      const reply = await client.fetch(context.fetch, fetched + 1, sizes[fetched]!, context.requireChecksum);
      recorder.message(reply.octets, reply.checksum === 'ok', reply.at);
    }
    const deleting = deleteAll && fetched === sizes.length;
    if (deleting) for (let msn = 1; msn <= sizes.length; msn++) await client.dele(msn);
    await client.quit();
    recorder.latency('SESSION', Math.round((performance.now() - started) * 1000));
    recorder.session();
    if (!deleting) return 0;
    recorder.deleted(sizes.length);
    return sizes.length;
  } finally {
    client.destroy();
  }
}
