import { performance } from 'node:perf_hooks';
import { Pop3Client } from '../client/pop3-client.js';
import { checkMailbox } from '../protocol/mailbox-check.js';
import type { ScenarioContext } from './scenario-context.js';

export interface BigOutcome {
  user: string;
  msn: number;
  size: number;
  /** Each fetch of the message: its time and payload rate. */
  retrievals: { ms: number; MBps: number }[];
}

/** One session fetches the largest message of the first user's maildrop `repeat` times (RETR or TOP). */
export async function big(context: ScenarioContext, repeat: number): Promise<BigOutcome> {
  const { recorder } = context;
  const account = context.users.account(0);
  const client = await Pop3Client.connect(context.address, recorder);
  try {
    await client.login(account.name, account.password, context.auth);
    const sizes = checkMailbox(await client.stat(), await client.list(), await client.uidl());
    if (sizes.length === 0) throw new Error(`${account.name} has no messages`);
    const index = sizes.indexOf(Math.max(...sizes));
    const size = sizes[index]!;
    const retrievals: BigOutcome['retrievals'] = [];
    for (let i = 0; i < repeat && !recorder.expired; i++) {
      const started = performance.now();
      const reply = await client.fetch(context.fetch, index + 1, size, context.requireChecksum);
      const ms = performance.now() - started;
      recorder.message(reply.octets, reply.checksum === 'ok', reply.at);
      retrievals.push({ ms: Math.round(ms * 1000) / 1000, MBps: Math.round(size / 1e3 / ms) });
    }
    await client.quit();
    recorder.session();
    return { user: account.name, msn: index + 1, size, retrievals };
  } finally {
    client.destroy();
  }
}
