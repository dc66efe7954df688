import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateMessage } from '../corpus/message-generator.js';
import { PROFILE } from '../corpus/profiles.js';
import { TextPool } from '../corpus/text-pool.js';
import { Backlog } from '../delivery/backlog.js';
import type { Deliverer } from '../delivery/deliverer.js';
import { Prng } from '../util/prng.js';
import { fetchMailbox } from './fetch-mailbox.js';
import { recordFailure, runLoops, type ScenarioContext } from './scenario-context.js';

export interface ExchangeOptions {
  deliverer: Deliverer;
  /** Deliveries running at once. */
  deliveryConcurrency: number;
  /** Seed of the delivered messages; `shard` keeps the threads' messages apart. */
  seed: string;
  shard: number;
}

export interface ExchangeOutcome {
  /** Deliveries owed when the window ended (deletions not yet made up for). */
  owed: number;
}

/**
 * Exchange's POP3 baseline in spirit: sessions log on, fetch every message and delete every message, while new
 * mail arrives at the same rate: each message deleted is owed one delivery, made to the users in turn.
 */
export async function exchangeProfile(context: ScenarioContext, options: ExchangeOptions): Promise<ExchangeOutcome> {
  const { users, recorder } = context;
  const backlog = new Backlog();
  const pool = new TextPool(new Prng(`${options.seed}/text-pool`));
  let delivered = 0;
  let recipient = 0;

  const deliveryLoop = async (): Promise<void> => {
    while (await backlog.take()) {
      const user = users.account(recipient++ % users.accounts.length).name;
      const id = options.shard * 1_000_000_000 + delivered++;
      const shape = PROFILE.exchange.shape(new Prng(`${options.seed}/delivery/${user}/${id}`));
      const message = generateMessage(pool, { seed: `${options.seed}/delivery`, user, id, shape });
      const started = performance.now();
      try {
        await options.deliverer.deliver(user, message);
        recorder.latency('DELIVER', Math.round((performance.now() - started) * 1000));
        recorder.delivered();
      } catch (error) {
        await recordFailure(context, error);
      }
    }
  };
  const deliveries = Array.from({ length: options.deliveryConcurrency }, deliveryLoop);

  await runLoops(context, async () => {
    const index = users.take(true);
    if (index === undefined) {
      await sleep(10);
      return true;
    }
    try {
      backlog.add(await fetchMailbox(context, users.account(index), true));
    } finally {
      users.give(index);
    }
    return true;
  });
  const owed = backlog.close();
  await Promise.all(deliveries);
  return { owed };
}
