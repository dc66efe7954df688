import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Prng } from '../util/prng.js';
import { fillPattern, userNumbers } from '../util/user-pattern.js';
import { maildirBase, placeMessage } from './maildir-name.js';
import { generateMessage } from './message-generator.js';
import { PROFILE, type ProfileName } from './profiles.js';
import { TextPool } from './text-pool.js';
import { exactSize } from './wire-form.js';

export interface CorpusOptions {
  out: string;
  users: number;
  /** Messages per user; the profile's default when left out. */
  messages?: number;
  profile: ProfileName;
  seed: string;
  /** User names, "%d" standing for the user's number. */
  userPattern: string;
  /** Passwords, "%d" standing for the user's number. */
  passwordPattern: string;
  /** Number of the first user (1 unless stated). */
  firstUser?: number;
  /**
   * Also leave the size hint off some messages whose last line has no LF. Dovecot 2.3 announces such a message
   * 2 octets shorter than it sends it (it adds the final CRLF without counting it), so by default they get hints.
   */
  unhintedUnterminated?: boolean;
}

/** What one `corpus` call wrote; corpus.json lists one entry per call that added users to the folder. */
export interface CorpusSet {
  profile: ProfileName;
  seed: string;
  userPattern: string;
  passwordPattern: string;
  users: string[];
  messagesPerUser: number;
  messages: number;
  storedBytes: number;
  /** Octets as POP3 sends them (CRLF), the sum of all LIST sizes. */
  exactBytes: number;
}

export const MANIFEST = 'corpus.json';
export const PASSWD = 'passwd';
export const USERS = 'users.txt';
const PARALLEL_WRITES = 16;
const BASE_TIME = 1_767_571_200;

/** The Maildir of `user` in a corpus folder: DIR/<user>/Maildir. */
export function maildirOf(root: string, user: string): string {
  return join(root, user, 'Maildir');
}

/**
 * Writes N users x M messages as Maildirs, plus a Dovecot passwd-file ({PLAIN} passwords), a users list and a
 * manifest. Everything follows from the seed: the same options write the same bytes under the same names.
 * Calling it again on the same folder with other user names adds them (for instance a user with one big message).
 */
export async function writeCorpus(
  options: CorpusOptions,
  progress?: (done: number, total: number) => void,
): Promise<CorpusSet> {
  const profile = PROFILE[options.profile];
  const perUser = options.messages ?? profile.defaultMessages;
  const pool = new TextPool(new Prng(`${options.seed}/text-pool`));
  const numbers = userNumbers(options.users, options.firstUser);
  const set: CorpusSet = {
    profile: options.profile,
    seed: options.seed,
    userPattern: options.userPattern,
    passwordPattern: options.passwordPattern,
    users: numbers.map((n) => fillPattern(options.userPattern, n)),
    messagesPerUser: perUser,
    messages: 0,
    storedBytes: 0,
    exactBytes: 0,
  };
  const total = numbers.length * perUser;
  for (const user of set.users) {
    const maildir = maildirOf(options.out, user);
    await Promise.all(['cur', 'new', 'tmp'].map((folder) => mkdir(join(maildir, folder), { recursive: true })));
    for (let start = 0; start < perUser; start += PARALLEL_WRITES) {
      const batch = [];
      for (let index = start; index < Math.min(perUser, start + PARALLEL_WRITES); index++) {
        const shape = profile.shape(new Prng(`${options.seed}/${user}/${index}/shape`));
        const stored = generateMessage(pool, { seed: options.seed, user, id: index, shape });
        const exact = exactSize(stored);
        const hinted = stored[stored.length - 1] !== 0x0a && options.unhintedUnterminated !== true;
        const place = placeMessage(maildirBase(BASE_TIME + index, `M${index}P1`), index, stored.length, exact, hinted);
        set.messages++;
        set.storedBytes += stored.length;
        set.exactBytes += exact;
        batch.push(writeFile(join(maildir, place.folder, place.name), stored));
      }
      await Promise.all(batch);
      progress?.(set.messages, total);
    }
  }
  await writeIndexes(options, set);
  return set;
}

/** Merges the passwd-file, the users list and the manifest with what an earlier call wrote. */
async function writeIndexes(options: CorpusOptions, set: CorpusSet): Promise<void> {
  const passwd = new Map<string, string>();
  for (const line of (await readOptional(join(options.out, PASSWD))).split('\n')) {
    if (line !== '') passwd.set(line.slice(0, line.indexOf(':')), line);
  }
  const numbers = userNumbers(options.users, options.firstUser);
  set.users.forEach((user, i) => {
    passwd.set(user, `${user}:{PLAIN}${fillPattern(options.passwordPattern, numbers[i]!)}::::::`);
  });
  await writeFile(join(options.out, PASSWD), [...passwd.values(), ''].join('\n'));
  await writeFile(join(options.out, USERS), [...passwd.keys(), ''].join('\n'));
  const previous = JSON.parse((await readOptional(join(options.out, MANIFEST))) || '{"sets":[]}') as {
    sets: CorpusSet[];
  };
  const mine = new Set(set.users);
  const sets = previous.sets.filter((old) => !old.users.some((user) => mine.has(user)));
  await writeFile(join(options.out, MANIFEST), `${JSON.stringify({ sets: [...sets, set] }, null, 2)}\n`);
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
