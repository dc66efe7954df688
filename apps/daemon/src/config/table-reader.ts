import { isAbsolute, resolve } from 'node:path';
import type { TomlTable, TomlValue } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { findKeyLine } from './key-locator.js';

/** The source a reader reports errors against. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

const typeName = (value: TomlValue): string =>
  Array.isArray(value)
    ? 'an array'
    : value instanceof Date
      ? 'a date'
      : isTable(value)
        ? 'a table'
        : `a ${typeof value}`;

/**
 * Reads typed settings out of one TOML table. Every read marks its key as known; finish() then rejects the keys
 * nobody asked for, so a misspelt setting stops start-up instead of being ignored.
 */
export class TableReader {
  readonly #source: ConfigSource;
  readonly #table: TomlTable;
  readonly #path: readonly string[];
  readonly #known = new Set<string>();

  constructor(source: ConfigSource, table: TomlTable, path: readonly string[] = []) {
    this.#source = source;
    this.#table = table;
    this.#path = path;
  }

  /** An error located at `key` (or at this table when key is undefined). */
  error(key: string | undefined, reason: string): ConfigError {
    const path = key === undefined ? this.#path : [...this.#path, key];
    const line = findKeyLine(this.#source.text, path);
    return new ConfigError(this.#source.file, line, path.length > 0 ? path.join('.') : undefined, reason);
  }

  has(key: string): boolean {
    this.#known.add(key);
    return this.#table[key] !== undefined;
  }

  #get(key: string): TomlValue | undefined {
    this.#known.add(key);
    return this.#table[key];
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.#get(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw this.error(key, `must be an integer, not ${typeName(value)}`);
    if (value < min || value > max) throw this.error(key, `must be between ${min} and ${max}, not ${value}`);
    return value;
  }

  /** An integer, or one word standing for a value worked out later (e.g. "auto"). */
  integerOrWord<W extends string>(key: string, word: W, fallback: number | W, min: number, max: number): number | W {
    const value = this.#get(key);
    if (typeof value === 'string') {
      if (value.toLowerCase() === word.toLowerCase()) return word;
      throw this.error(key, `must be "${word}" or an integer between ${min} and ${max}, not "${value}"`);
    }
    return value === undefined ? fallback : this.integer(key, 0, min, max);
  }

  /** A number of seconds (fractions allowed), returned in milliseconds. */
  seconds(key: string, fallback: number, min: number, max: number): number {
    const value = this.#get(key) ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw this.error(key, `must be a number of seconds, not ${typeName(value)}`);
    if (value < min || value > max) throw this.error(key, `must be between ${min} and ${max} seconds, not ${value}`);
    return Math.round(value * 1000);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#get(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw this.error(key, `must be true or false, not ${typeName(value)}`);
    return value;
  }

  optionalString(key: string, maxLength = 1024): string | undefined {
    const value = this.#get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.error(key, `must be a string, not ${typeName(value)}`);
    if (value.length > maxLength) throw this.error(key, `must be at most ${maxLength} characters`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw this.error(key, 'must not contain control characters');
    return value;
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.optionalString(key);
    if (value === undefined) return fallback;
    const found = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
    if (found === undefined) throw this.error(key, `must be one of ${choices.join(', ')}, not "${value}"`);
    return found;
  }

  stringList(key: string, fallback: readonly string[]): string[] {
    const value = this.#get(key);
    if (value === undefined) return [...fallback];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.error(key, 'must be an array of strings');
    }
    return value as string[];
  }

  /**
   * An array whose items are strings or inline tables (a value with options). Tables come back as readers located
   * at `key`, so their errors name the array's line and finish() rejects their unknown keys.
   */
  stringOrTableList(key: string, fallback: readonly string[]): Array<string | TableReader> {
    const value = this.#get(key);
    if (value === undefined) return [...fallback];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' || isTable(item))) {
      throw this.error(key, 'must be an array of strings or inline tables');
    }
    return value.map((item) =>
      typeof item === 'string' ? item : new TableReader(this.#source, item as TomlTable, [...this.#path, key]),
    );
  }

  /** A file path; relative paths are taken from the config file's folder. */
  optionalPath(key: string): string | undefined {
    const value = this.optionalString(key, 4096);
    if (value === undefined) return undefined;
    if (value === '') throw this.error(key, 'must not be empty');
    return isAbsolute(value) ? value : resolve(this.#source.file, '..', value);
  }

  path(key: string): string {
    const value = this.optionalPath(key);
    if (value === undefined) throw this.error(undefined, `${[...this.#path, key].join('.')} is required`);
    return value;
  }

  /** A table of string values, e.g. a name map. */
  stringMap(key: string): Map<string, string> {
    const value = this.#get(key);
    if (value === undefined) return new Map();
    if (!isTable(value)) throw this.error(key, `must be a table, not ${typeName(value)}`);
    const map = new Map<string, string>();
    for (const [name, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw this.error(key, `${name} must map to a string, not ${typeName(item)}`);
      map.set(name, item);
    }
    return map;
  }

  /** A sub-table reader; an absent table reads as empty. */
  table(key: string): TableReader {
    const value = this.#get(key);
    if (value !== undefined && !isTable(value)) throw this.error(key, `must be a table, not ${typeName(value)}`);
    return new TableReader(this.#source, value ?? {}, [...this.#path, key]);
  }

  /** Rejects keys that no read asked for, suggesting the setting with the same name in other case. */
  finish(): void {
    for (const key of Object.keys(this.#table)) {
      if (this.#known.has(key)) continue;
      const near = [...this.#known].find((known) => known.toLowerCase() === key.toLowerCase());
      throw this.error(key, near === undefined ? 'unknown setting' : `unknown setting (did you mean ${near}?)`);
    }
  }
}
