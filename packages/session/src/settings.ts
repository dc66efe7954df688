import type { LoginType, SessionSettings } from './options.js';

/** Every setting, resolved. */
export type ResolvedSettings = Readonly<Required<SessionSettings>>;

/**
 * Exchange's defaults (Set-PopSettings), plus limits Exchange applies without a setting: 3 failed logins, 3 protocol
 * errors, 10 bad commands and 9 commands before logon. The failed-login delay follows Dovecot (2 s).
 */
export const DEFAULT_SETTINGS: ResolvedSettings = Object.freeze({
  maxCommandSize: 512,
  maxAuthLineSize: 65_536,
  preAuthenticatedTimeoutMs: 60_000,
  authenticatedTimeoutMs: 1_800_000,
  loginType: 'SecureLogin',
  responseCodes: false,
  banner: 'The Microsoft Exchange POP3 service is ready.',
  maxFailedLogins: 3,
  maxBadCommands: 10,
  maxProtocolErrors: 3,
  maxPreAuthCommands: 9,
  failedLoginDelayMs: 2_000,
  maxAuthSteps: 10,
});

const LOGIN_TYPES: readonly LoginType[] = ['PlainTextLogin', 'PlainTextAuthentication', 'SecureLogin'];
/** Node's timers cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** [minimum, maximum] of each integer setting, and the Exchange parameter it mirrors, for error messages. */
const RANGES: Readonly<Record<string, readonly [number, number, string?]>> = {
  maxCommandSize: [40, 1024, 'MaxCommandSize'],
  maxAuthLineSize: [255, 16 * 1024 * 1024],
  preAuthenticatedTimeoutMs: [1, MAX_TIMER_MS, 'PreAuthenticatedConnectionTimeout'],
  authenticatedTimeoutMs: [1, MAX_TIMER_MS, 'AuthenticatedConnectionTimeout'],
  maxFailedLogins: [1, 1_000_000],
  maxBadCommands: [1, 1_000_000],
  maxProtocolErrors: [1, 1_000_000],
  maxPreAuthCommands: [1, 1_000_000],
  failedLoginDelayMs: [0, MAX_TIMER_MS],
  maxAuthSteps: [1, 1_000],
};

function invalid(name: string, why: string): TypeError {
  const exchange = RANGES[name]?.[2];
  return new TypeError(`Invalid session setting ${name}${exchange ? ` (${exchange})` : ''}: ${why}`);
}

/** Checks settings once, when the engine is created; a mistake throws a TypeError naming the setting. */
export function resolveSettings(partial: Partial<SessionSettings> = {}): ResolvedSettings {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_SETTINGS)) throw invalid(key, 'unknown setting');
  }
  const settings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) Object.assign(settings, { [key]: value });
  }
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const value = settings[name as keyof ResolvedSettings];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(name, `expected an integer from ${min} to ${max}, got ${String(value)}`);
    }
  }
  if (settings.maxAuthLineSize < settings.maxCommandSize) {
    throw invalid('maxAuthLineSize', 'must not be smaller than maxCommandSize');
  }
  if (!LOGIN_TYPES.includes(settings.loginType)) {
    throw invalid('loginType', `expected one of ${LOGIN_TYPES.join(', ')}, got ${String(settings.loginType)}`);
  }
  if (typeof settings.responseCodes !== 'boolean') throw invalid('responseCodes', 'expected a boolean');
  if (typeof settings.banner !== 'string' || /[\x00-\x1f\x7f]/.test(settings.banner)) {
    throw invalid('banner', 'expected a single line of text');
  }
  return Object.freeze(settings);
}
