import { InvalidArgumentError } from 'commander';
import type { AuthMode, FetchCommand, TlsMode } from './client/pop3-client.js';
import { parseDuration } from './util/duration.js';

/** commander parsers that turn a bad value into a clear usage error. */
export function intOption(min = 0): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return value;
  };
}

export function durationOption(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function choiceOption<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(choices as readonly string[]).includes(text))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}`);
    return text as T;
  };
}

export const AUTH_MODES: readonly AuthMode[] = ['user', 'plain'];
export const FETCH_COMMANDS: readonly FetchCommand[] = ['retr', 'top'];

export function tlsMode(options: { tls?: boolean; starttls?: boolean }): TlsMode {
  if (options.tls && options.starttls) throw new InvalidArgumentError('--tls and --starttls exclude each other');
  return options.tls ? 'implicit' : options.starttls ? 'starttls' : 'none';
}
