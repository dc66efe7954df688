import type { ReloadOutcome } from '../open-daemon.js';
import type { BoundListener } from '../pop-server.js';

/** What a worker asks the primary; the answer comes back in a `response` with the same id. */
export type WorkerRequest =
  | { readonly op: 'config' }
  | { readonly op: 'acquire-connection'; readonly address: string }
  | { readonly op: 'acquire-user'; readonly user: string }
  | { readonly op: 'login-failed'; readonly address: string };

/** What the primary asks a worker. */
export type PrimaryRequest = { readonly op: 'reload' };

/** The answer to `config`: the primary's own config text, so every worker runs what the primary read. */
export interface ConfigAnswer {
  readonly file: string;
  readonly text: string;
}

/** A worker is listening. */
export interface ReadyNotice {
  readonly listeners: readonly BoundListener[];
  readonly mechanisms: readonly string[];
  readonly tls: boolean;
}

/**
 * The IPC protocol between the primary and its workers. Each side asks with `request` and answers with `response`
 * (ids are per sender); the other messages are one-way. Every message carries `poplar`, so nothing else on the
 * channel is mistaken for one.
 */
export type WorkerMessage =
  | { readonly poplar: 'request'; readonly id: number; readonly body: WorkerRequest }
  | { readonly poplar: 'response'; readonly id: number; readonly value: ReloadOutcome }
  | { readonly poplar: 'release'; readonly what: 'connection' | 'user'; readonly key: string }
  | { readonly poplar: 'ready'; readonly notice: ReadyNotice }
  /** Start-up failed: the message and exit code the daemon would have ended with in one process. */
  | { readonly poplar: 'failed'; readonly message: string; readonly exitCode: number }
  /** The worker stopped accepting; `sessions` are still open. */
  | { readonly poplar: 'closing'; readonly sessions: number };

export type PrimaryMessage =
  | { readonly poplar: 'request'; readonly id: number; readonly body: PrimaryRequest }
  | { readonly poplar: 'response'; readonly id: number; readonly value: unknown }
  | { readonly poplar: 'stop' };

const KINDS = new Set(['request', 'response', 'release', 'ready', 'failed', 'closing', 'stop']);

/** True for a message of this protocol (the shape is trusted: both ends are this program). */
export function isPoplarMessage(message: unknown): message is { readonly poplar: string } {
  return (
    typeof message === 'object' && message !== null && KINDS.has((message as { poplar?: unknown }).poplar as string)
  );
}
