import type { Duplex } from 'node:stream';
import { renderOk } from '@poplar/wire';
import { Capabilities } from './capabilities.js';
import type { ConnectionInfo } from './contracts.js';
import type { EngineContext } from './engine-context.js';
import type { RunOptions, SessionOptions, SessionSummary, Timers } from './options.js';
import { Session } from './session.js';
import { type ResolvedSettings, resolveSettings } from './settings.js';
import { Texts } from './texts.js';

/** Runs POP3 sessions with one set of options; create one per listener (or per server) and reuse it. */
export interface SessionEngine {
  /** The settings in force, defaults filled in. */
  readonly settings: ResolvedSettings;
  /**
   * Runs one session over `stream` from the greeting to the close. Never rejects: failures are reported through
   * hooks.event and the summary's `end`.
   */
  run(stream: Duplex, connection: ConnectionInfo, runOptions?: RunOptions): Promise<SessionSummary>;
}

const NODE_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

function required(value: unknown, name: string, method: string): void {
  if (typeof (value as Record<string, unknown> | undefined)?.[method] !== 'function') {
    throw new TypeError(`Session option ${name} must have a ${method}() method`);
  }
}

/**
 * Validates the options once (a mistake throws a TypeError naming it) and prepares what every session shares: the
 * greeting, the text table and the capability listings.
 */
export function createSessionEngine(options: SessionOptions): SessionEngine {
  required(options.store, 'store', 'open');
  required(options.passwords, 'passwords', 'verify');
  if (options.startTls !== undefined && typeof options.startTls !== 'function') {
    throw new TypeError('Session option startTls must be a function');
  }
  if (options.fileSender !== undefined) {
    for (const method of ['canSend', 'sendNow', 'read']) required(options.fileSender, 'fileSender', method);
  }
  if (options.timers !== undefined) {
    required(options.timers, 'timers', 'setTimeout');
    required(options.timers, 'timers', 'clearTimeout');
  }
  const settings = resolveSettings(options.settings);
  const context: EngineContext = Object.freeze({
    settings,
    texts: new Texts(options.texts, settings.responseCodes),
    capabilities: new Capabilities({
      mechanisms: options.mechanisms ?? [],
      loginType: settings.loginType,
      startTls: options.startTls !== undefined,
      responseCodes: settings.responseCodes,
    }),
    greeting: renderOk(settings.banner),
    store: options.store,
    passwords: options.passwords,
    startTls: options.startTls,
    fileSender: options.fileSender,
    hooks: options.hooks ?? {},
    timers: options.timers ?? NODE_TIMERS,
  });

  async function run(stream: Duplex, connection: ConnectionInfo, runOptions: RunOptions = {}): Promise<SessionSummary> {
    try {
      return await new Session(context, stream, connection, runOptions).run();
    } catch (error) {
      try {
        context.hooks.event?.(connection, { type: 'error', error });
      } catch {
        // Nothing more can be done for a host whose hook throws.
      }
      stream.destroy();
      return {
        user: undefined,
        commands: 0,
        retrieved: 0,
        deleted: 0,
        bytesIn: 0,
        bytesOut: 0,
        bytesFromFiles: 0,
        end: 'error',
      };
    }
  }

  return Object.freeze({ settings, run });
}
