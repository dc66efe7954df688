import type { SizeHints } from './size-calculator.js';

/** A Maildir file name taken apart. `unique + info` is the whole name. */
export interface MaildirName {
  /** Everything before the first ':' (the part that stays when a reader changes flags or moves new/ -> cur/). */
  readonly unique: string;
  /** S= and W= fields found in the unique part, when they are well-formed decimal numbers. */
  readonly hints: SizeHints;
  /** The ':2,FLAGS' part including its ':', or '' when the name has none (files in new/). */
  readonly info: string;
}

const SIZE_FIELD = /^([SW])=(\d{1,15})$/;

/**
 * Parses a Maildir file name as written by Poplar, Dovecot, Courier, Postfix, qmail or any other MDA:
 * `<base>[,S=<n>][,W=<n>][,<other fields>][:2,<flags>]`. Unknown ",X=" fields and malformed sizes are ignored.
 */
export function parseMaildirName(name: string): MaildirName {
  const colon = name.indexOf(':');
  const unique = colon < 0 ? name : name.slice(0, colon);
  const info = colon < 0 ? '' : name.slice(colon);
  let S: number | undefined;
  let W: number | undefined;
  // The first comma-separated part is the base name; fields follow.
  let comma = unique.indexOf(',');
  while (comma >= 0) {
    const next = unique.indexOf(',', comma + 1);
    const match = SIZE_FIELD.exec(unique.slice(comma + 1, next < 0 ? undefined : next));
    if (match) {
      const value = Number(match[2]);
      if (match[1] === 'S') S ??= value;
      else W ??= value;
    }
    comma = next;
  }
  const hints: { S?: number; W?: number } = {};
  if (S !== undefined) hints.S = S;
  if (W !== undefined) hints.W = W;
  return { unique, hints, info };
}
