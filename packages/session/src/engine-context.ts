import type { Capabilities } from './capabilities.js';
import type { PasswordVerifier, Store } from './contracts.js';
import type { FileSender, SessionHooks, SessionOptions, Timers } from './options.js';
import type { ResolvedSettings } from './settings.js';
import type { Texts } from './texts.js';

/** What every session of one engine shares, built and frozen once by createSessionEngine. */
export interface EngineContext {
  readonly settings: ResolvedSettings;
  readonly texts: Texts;
  readonly capabilities: Capabilities;
  readonly greeting: Buffer;
  readonly store: Store;
  readonly passwords: PasswordVerifier;
  readonly startTls: SessionOptions['startTls'];
  readonly fileSender: FileSender | undefined;
  readonly hooks: SessionHooks;
  readonly timers: Timers;
}
