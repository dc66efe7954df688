export * from './contracts.js';
export { createSessionEngine, type SessionEngine } from './engine.js';
export { ERRORS, type ErrorCode, type ErrorCount, type ErrorSpec } from './errors.js';
export type * from './options.js';
export { REPLIES, type ReplyCode } from './replies.js';
export type { EndReason, SessionState } from './session.js';
export { DEFAULT_SETTINGS, type ResolvedSettings } from './settings.js';
export type { TextKey } from './texts.js';
