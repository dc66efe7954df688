import type { AuthMode, FetchCommand, ServerAddress } from '../client/pop3-client.js';
import { CommandDeliverer } from '../delivery/command-deliverer.js';
import type { Deliverer } from '../delivery/deliverer.js';
import { MaildirDeliverer } from '../delivery/maildir-deliverer.js';
import { Recorder, type Window } from '../metrics/recorder.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { big } from '../scenarios/big.js';
import { exchangeProfile } from '../scenarios/exchange-profile.js';
import { idle } from '../scenarios/idle.js';
import { login } from '../scenarios/login.js';
import { retrAll } from '../scenarios/retr-all.js';
import { recordFailure, type ScenarioContext, type ScenarioName } from '../scenarios/scenario-context.js';
import { type Account, UserPool } from '../scenarios/user-pool.js';
import type { ClientKind } from './native-binary.js';

export interface DeliverySettings {
  /** Corpus folder to deliver into as Maildir files (root/<user>/Maildir/new). */
  maildirRoot?: string | undefined;
  /** Or a command template run per message, "%u" = user, the message on stdin. */
  deliverCmd?: string | undefined;
  seed: string;
  concurrency: number;
}

/** Everything one shard (the main thread or one worker thread) needs; plain data, so it crosses to a worker. */
export interface ShardConfig {
  shard: number;
  scenario: ScenarioName;
  /** Which client runs the shard; 'native' runs it in a pop3-load process (runNativeShard). */
  client: ClientKind;
  address: ServerAddress;
  auth: AuthMode;
  accounts: Account[];
  concurrency: number;
  window: Window;
  once: boolean;
  fetch: FetchCommand;
  requireChecksum: boolean;
  maxErrors: number;
  intervalMs: number;
  bigRepeat: number;
  idle: { sessions: number; holdMs: number; serverPid?: number | undefined };
  delivery: DeliverySettings;
}

export interface ShardOutcome {
  /** Date.now() when the shard finished. */
  finishedAt: number;
  /** What the scenario reports beyond the counters (big, idle, exchange-profile). */
  detail?: unknown;
  /** CPU time of a native client process within the window; a Node shard's counts in the bench's own. */
  cpuSeconds?: number;
}

function deliverer(settings: DeliverySettings, shard: number): Deliverer {
  if (settings.deliverCmd !== undefined) return new CommandDeliverer(settings.deliverCmd);
  if (settings.maildirRoot !== undefined) return new MaildirDeliverer(settings.maildirRoot, String(shard));
  throw new Error('exchange-profile needs --maildir-root or --deliver-cmd to deliver new mail');
}

async function runScenario(config: ShardConfig, context: ScenarioContext): Promise<unknown> {
  switch (config.scenario) {
    case 'retr-all':
      return retrAll(context);
    case 'login':
      return login(context);
    case 'big':
      return big(context, config.bigRepeat);
    case 'idle':
      return idle(context, config.idle);
    case 'exchange-profile':
      return exchangeProfile(context, {
        deliverer: deliverer(config.delivery, config.shard),
        deliveryConcurrency: config.delivery.concurrency,
        seed: config.delivery.seed,
        shard: config.shard,
      });
  }
}

/** Runs one shard of a scenario, sending a snapshot every interval and a last one at the end. */
export async function runShard(config: ShardConfig, emit: (snapshot: Snapshot) => void): Promise<ShardOutcome> {
  const recorder = new Recorder(config.window);
  const context: ScenarioContext = {
    address: config.address,
    auth: config.auth,
    users: new UserPool(config.accounts),
    recorder,
    concurrency: config.concurrency,
    once: config.once,
    fetch: config.fetch,
    requireChecksum: config.requireChecksum,
    maxErrors: config.maxErrors,
  };
  const timer = setInterval(() => emit(recorder.takeSnapshot()), config.intervalMs);
  let detail: unknown;
  try {
    detail = await runScenario(config, context);
  } catch (error) {
    await recordFailure(context, error);
  } finally {
    clearInterval(timer);
  }
  const finishedAt = Date.now();
  emit(recorder.takeSnapshot());
  return detail === undefined ? { finishedAt } : { finishedAt, detail };
}
