/**
 * Dovecot's PBKDF2 scheme: PBKDF2-HMAC-SHA1 with a 20-byte key, stored as `doveadm pw -s PBKDF2` writes it:
 *
 *   {PBKDF2}$1$<salt>$<rounds>$<key as 40 hex digits>
 *
 * The salt is used as the characters it is written with, not decoded (Dovecot makes 16 of ./0-9A-Za-z), and Dovecot's
 * default is 5000 rounds. The "$1$" is the format's version, not crypt(3)'s MD5 scheme, so the {PBKDF2} tag is part
 * of the stored form.
 */
export const DOVECOT_PBKDF2_DEFAULT_ROUNDS = 5000;
export const DOVECOT_PBKDF2_KEY_BYTES = 20;

export interface DovecotPbkdf2Hash {
  readonly rounds: number;
  /** The salt characters, as ASCII bytes. */
  readonly salt: Uint8Array;
  /** The 20-byte key. */
  readonly hash: Uint8Array;
}

// The salt: 1..64 printable ASCII characters other than "$" (the separator) and ":" (the users file's separator).
const STORED = /^\{PBKDF2\}\$1\$([!-#%-9;-~]{1,64})\$([1-9][0-9]{0,9})\$([0-9A-Fa-f]{40})$/i;

export const isDovecotPbkdf2 = (text: string): boolean => /^\{PBKDF2\}/i.test(text);

/** Parses a stored {PBKDF2} hash; rounds are not bounded here. Throws an Error whose message never contains the hash. */
export function parseDovecotPbkdf2(text: string): DovecotPbkdf2Hash {
  const match = STORED.exec(text);
  if (!match) {
    throw new Error(
      'PBKDF2 hash must be {PBKDF2}$1$salt$rounds$hash, salt 1..64 printable characters other than $ and :, ' +
        'hash 40 hex digits',
    );
  }
  return { salt: Buffer.from(match[1]!, 'latin1'), rounds: Number(match[2]), hash: Buffer.from(match[3]!, 'hex') };
}

export function formatDovecotPbkdf2({ rounds, salt, hash }: DovecotPbkdf2Hash): string {
  return `{PBKDF2}$1$${Buffer.from(salt).toString('latin1')}$${rounds}$${Buffer.from(hash).toString('hex')}`;
}
