import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maildirOf, PASSWD } from '../corpus/corpus-writer.js';
import { generateMessage } from '../corpus/message-generator.js';
import { PROFILE, type ProfileName } from '../corpus/profiles.js';
import { TextPool } from '../corpus/text-pool.js';
import { Prng } from '../util/prng.js';
import { type EncodedMailbox, encodeMailbox } from './encoded-mailbox.js';

/** Which maildrop a user sees, and the password they need (undefined: any password). */
export interface MailboxSource {
  mailbox(user: string): EncodedMailbox | undefined;
  password(user: string): string | undefined;
}

/** One generated maildrop that every user name sees, with any password: the cheapest way to feed a client. */
export function syntheticSource(profile: ProfileName, messages: number, seed: string): MailboxSource {
  const pool = new TextPool(new Prng(`${seed}/text-pool`));
  const stored = Array.from({ length: messages }, (_, id) =>
    generateMessage(pool, {
      seed,
      user: 'user',
      id,
      shape: PROFILE[profile].shape(new Prng(`${seed}/user/${id}/shape`)),
    }),
  );
  const mailbox = encodeMailbox(stored);
  return { mailbox: () => mailbox, password: () => undefined };
}

/**
 * Every maildrop of a corpus folder, read once into memory (cur/ and new/, in name order), with the {PLAIN}
 * passwords of its passwd-file. The responder never writes: DELE is acknowledged and forgotten.
 */
export async function corpusSource(root: string): Promise<MailboxSource> {
  const passwords = new Map<string, string>();
  for (const line of (await readFile(join(root, PASSWD), 'utf8')).split('\n')) {
    const [user, password] = line.split(':');
    if (user && password?.startsWith('{PLAIN}')) passwords.set(user, password.slice('{PLAIN}'.length));
  }
  const mailboxes = new Map<string, EncodedMailbox>();
  for (const user of passwords.keys()) {
    const maildir = maildirOf(root, user);
    const files: string[] = [];
    for (const folder of ['cur', 'new']) {
      const names = await readdir(join(maildir, folder)).catch(() => [] as string[]);
      files.push(...names.map((name) => join(maildir, folder, name)));
    }
    files.sort();
    mailboxes.set(user, encodeMailbox(await Promise.all(files.map((file) => readFile(file)))));
  }
  return { mailbox: (user) => mailboxes.get(user), password: (user) => passwords.get(user) };
}
