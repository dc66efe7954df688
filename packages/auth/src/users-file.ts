/**
 * The users file: one user per line, colon-separated, `#` comments and blank lines kept as they are.
 *
 *   name:password-hash[:nt=<sealed NT hash>][:maildir=<path>][:flags=disabled]
 *
 * The optional fields may come in any order, each at most once; empty values mean "none". In a maildir path `%` is
 * written `%25` and `:` is written `%3A`. Anything else is an error that names the file and the line, and never
 * quotes the line (it may hold a hash).
 */

import { isSealedNtHash } from './nt-hash-cipher.js';
import { formatPasswordHash, type PasswordHash, parsePasswordHash } from './password-hash.js';
import { isValidUserName, userKey } from './user-name.js';

export interface UserEntry {
  /** The name as spelled in the file. */
  readonly name: string;
  readonly hash: PasswordHash;
  /** NT hash sealed with the server key; absent for users who may not use NTLM. */
  readonly nt?: string;
  readonly maildir?: string;
  readonly disabled: boolean;
}

export type UsersFileLine =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'user'; readonly entry: UserEntry };

export class UsersFileError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'UsersFileError';
    this.file = file;
    this.line = line;
  }
}

export const MAX_LINE_LENGTH = 4096;
const FLAGS = new Set(['disabled']);
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a maildir path cannot be stored, or null. */
export function checkMaildirPath(path: string): string | null {
  if (path.length === 0) return 'maildir path is empty';
  if (CONTROL.test(path)) return 'maildir path contains a control character';
  if (path.length > 1024) return 'maildir path is longer than 1024 characters';
  return null;
}

const escapeMaildir = (path: string): string => path.replaceAll('%', '%25').replaceAll(':', '%3A');

function unescapeMaildir(text: string): string | null {
  let bad = false;
  const path = text.replace(/%(..)?/g, (_, hex: string | undefined) => {
    if (hex?.toUpperCase() === '25') return '%';
    if (hex?.toUpperCase() === '3A') return ':';
    bad = true;
    return '';
  });
  return bad ? null : path;
}

function parseUserLine(text: string): UserEntry | string {
  const [name = '', hashText = '', ...fields] = text.split(':');
  if (!isValidUserName(name)) {
    return 'invalid user name (1..64 of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit)';
  }
  let hash: PasswordHash;
  try {
    hash = parsePasswordHash(hashText);
  } catch (err) {
    return `user ${name}: ${(err as Error).message}`;
  }
  const seen = new Set<string>();
  let nt: string | undefined;
  let maildir: string | undefined;
  let disabled = false;
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const value = eq < 0 ? '' : field.slice(eq + 1);
    if (eq < 0 || !['nt', 'maildir', 'flags'].includes(key))
      return `user ${name}: unknown field (expected nt=, maildir= or flags=)`;
    if (seen.has(key)) return `user ${name}: ${key}= given twice`;
    seen.add(key);
    if (value === '') continue;
    if (key === 'nt') {
      if (!isSealedNtHash(value)) return `user ${name}: nt= is not a sealed NT hash`;
      nt = value;
    } else if (key === 'maildir') {
      maildir = unescapeMaildir(value) ?? undefined;
      const problem = maildir === undefined ? 'maildir path has a bad % escape' : checkMaildirPath(maildir);
      if (problem) return `user ${name}: ${problem}`;
    } else {
      for (const flag of value.split(',')) {
        if (!FLAGS.has(flag)) return `user ${name}: unknown flag (known: ${[...FLAGS].join(', ')})`;
        disabled = true;
      }
    }
  }
  return { name, hash, disabled, ...(nt === undefined ? {} : { nt }), ...(maildir === undefined ? {} : { maildir }) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the file's bytes; invalid UTF-8 is an error naming the first bad line (a path must not be mangled). */
export function decodeUsersFile(bytes: Uint8Array, file: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let line = 1;
    for (let start = 0; start <= bytes.length; line++) {
      const end = bytes.indexOf(0x0a, start);
      const stop = end < 0 ? bytes.length : end;
      try {
        utf8.decode(bytes.subarray(start, stop));
      } catch {
        break;
      }
      start = stop + 1;
    }
    throw new UsersFileError(file, line, 'not valid UTF-8');
  }
}

/** Parses a whole file. `file` is only used in error messages. */
export function parseUsersFile(text: string, file: string): UsersFileLine[] {
  const lines: UsersFileLine[] = [];
  const firstLine = new Map<string, number>();
  // The decoder already drops a leading byte order mark; a lone newline ending the file makes no extra line.
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  rows.forEach((raw, i) => {
    const lineNo = i + 1;
    const row = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (row.length > MAX_LINE_LENGTH)
      throw new UsersFileError(file, lineNo, `line longer than ${MAX_LINE_LENGTH} characters`);
    const trimmed = row.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      lines.push({ kind: 'text', text: row });
      return;
    }
    const entry = parseUserLine(row);
    if (typeof entry === 'string') throw new UsersFileError(file, lineNo, entry);
    const key = userKey(entry.name);
    const first = firstLine.get(key);
    if (first !== undefined)
      throw new UsersFileError(file, lineNo, `user ${entry.name} already defined on line ${first}`);
    firstLine.set(key, lineNo);
    lines.push({ kind: 'user', entry });
  });
  return lines;
}

export function formatUserLine(entry: UserEntry): string {
  return [
    entry.name,
    formatPasswordHash(entry.hash),
    `nt=${entry.nt ?? ''}`,
    `maildir=${entry.maildir === undefined ? '' : escapeMaildir(entry.maildir)}`,
    `flags=${entry.disabled ? 'disabled' : ''}`,
  ].join(':');
}

export function formatUsersFile(lines: readonly UsersFileLine[]): string {
  return lines.map((line) => `${line.kind === 'text' ? line.text : formatUserLine(line.entry)}\n`).join('');
}
