import { setTimeout as sleep } from 'node:timers/promises';
import { Pop3Client } from '../client/pop3-client.js';
import { sampleTree, type TreeSample } from '../proc/process-tree.js';
import { recordFailure, type ScenarioContext, stopped } from './scenario-context.js';

export interface IdleOptions {
  /** Sessions to open and keep logged in. */
  sessions: number;
  /** How long to keep them idle before measuring again and quitting. */
  holdMs: number;
  serverPid?: number | undefined;
}

export interface IdleOutcome {
  requested: number;
  /** Sessions that logged in. */
  opened: number;
  /** Of those, sessions the server closed during the hold. */
  dropped: number;
  /** The server's process tree before any session, once all are logged in, and after the hold. */
  before?: TreeSample;
  loaded?: TreeSample;
  held?: TreeSample;
  /** (held - before) / sessions still open, from the server's process tree. */
  perSessionRssKiB?: number;
  perSessionPssKiB?: number;
  /** The client's own resident memory per session. */
  clientPerSessionKiB: number;
}

const SETTLE_MS = 1000;

/** K sessions log in and stay idle; the server's memory is measured before and after. */
export async function idle(context: ScenarioContext, options: IdleOptions): Promise<IdleOutcome> {
  const { users, recorder } = context;
  const sample = async (): Promise<TreeSample | undefined> =>
    options.serverPid === undefined ? undefined : sampleTree(options.serverPid);
  const before = await sample();
  const clientBefore = process.memoryUsage().rss;
  const clients: Pop3Client[] = [];
  let next = 0;
  const open = async (): Promise<void> => {
    while (next < options.sessions && !stopped(context)) {
      next++;
      const account = users.account(users.take() ?? 0);
      let client: Pop3Client | undefined;
      try {
        client = await Pop3Client.connect(context.address, recorder);
        await client.login(account.name, account.password, context.auth);
        clients.push(client);
        recorder.session();
      } catch (error) {
        client?.destroy();
        await recordFailure(context, error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: context.concurrency }, open));
    const opened = clients.length;
    await sleep(SETTLE_MS);
    const loaded = await sample();
    const clientPerSessionKiB = opened > 0 ? (process.memoryUsage().rss - clientBefore) / 1024 / opened : 0;
    await sleep(Math.max(0, Math.min(options.holdMs, recorder.window.endAt - Date.now())));
    const held = await sample();
    // A session the server dropped while idle no longer costs it anything.
    const live = clients.filter((client) => !client.failed);
    const outcome: IdleOutcome = {
      requested: options.sessions,
      opened,
      dropped: opened - live.length,
      clientPerSessionKiB,
    };
    if (before !== undefined && loaded !== undefined && held !== undefined) {
      Object.assign(outcome, { before, loaded, held });
      if (live.length > 0) {
        outcome.perSessionRssKiB = (held.rssKiB - before.rssKiB) / live.length;
        outcome.perSessionPssKiB = (held.pssKiB - before.pssKiB) / live.length;
      }
    }
    let quitting = 0;
    await Promise.all(
      Array.from({ length: context.concurrency }, async () => {
        while (quitting < live.length) {
          const client = live[quitting++]!;
          await client.quit().catch((error: unknown) => recordFailure(context, error));
        }
      }),
    );
    return outcome;
  } finally {
    for (const client of clients) client.destroy();
  }
}
