import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthMode, FetchCommand, ServerAddress } from '../client/pop3-client.js';
import type { Recorder } from '../metrics/recorder.js';
import { BenchError, errorKind } from '../protocol/bench-error.js';
import type { UserPool } from './user-pool.js';

export type ScenarioName = 'retr-all' | 'login' | 'idle' | 'big' | 'exchange-profile';
export const SCENARIOS: readonly ScenarioName[] = ['retr-all', 'login', 'idle', 'big', 'exchange-profile'];
/** The scenarios that fetch messages, and so take a fetch command. */
export const FETCH_SCENARIOS: readonly ScenarioName[] = ['retr-all', 'big', 'exchange-profile'];

/** What every scenario of one shard works with. */
export interface ScenarioContext {
  address: ServerAddress;
  auth: AuthMode;
  users: UserPool;
  recorder: Recorder;
  /** Concurrent sessions of this shard. */
  concurrency: number;
  /** Fetch every mailbox exactly once instead of looping until the end of the window. */
  once: boolean;
  /** How messages are fetched: RETR, or TOP for the whole message. */
  fetch: FetchCommand;
  /** A message without a checksum header is an error. */
  requireChecksum: boolean;
  /** The shard stops after this many errors. */
  maxErrors: number;
}

/** Whether the shard should start nothing new: the window is over or too many errors happened. */
export function stopped(context: ScenarioContext): boolean {
  return context.recorder.expired || context.recorder.errorTotal >= context.maxErrors;
}

/** Counts an error by kind; after a connection failure it waits a little, so a dead server is not hammered. */
export async function recordFailure(context: ScenarioContext, error: unknown): Promise<void> {
  const kind = errorKind(error);
  context.recorder.error(kind, error instanceof Error ? error.message : String(error));
  if (!(error instanceof BenchError) || kind === 'connect') await sleep(50);
}

/**
 * Runs `concurrency` loops of `body` until the shard stops or `body` says there is nothing more to do (false).
 * A failed iteration is counted and the loop goes on with a new one.
 */
export async function runLoops(context: ScenarioContext, body: () => Promise<boolean>): Promise<void> {
  const loop = async (): Promise<void> => {
    while (!stopped(context)) {
      try {
        if (!(await body())) return;
      } catch (error) {
        await recordFailure(context, error);
      }
    }
  };
  await Promise.all(Array.from({ length: context.concurrency }, loop));
}
