import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { UserDatabase } from '@poplar/auth';
import { createMaildirStore, deliver, MaildirError, resolveMaildir } from '@poplar/maildir';
import type { Store } from '@poplar/session';
import type { DaemonConfig } from './config/daemon-config.js';
import { CommandError, EXIT } from './exit-codes.js';
import type { Logger } from './logger.js';
import { checkedMessage, MessageFormatError } from './message-check.js';

type Users = Pick<UserDatabase, 'get' | 'mailboxFor'>;

/** A maildir= path from the users file; a relative one is taken from MailRoot. */
const ownMaildir = (config: DaemonConfig, users: Users, user: string): string | undefined => {
  const path = users.mailboxFor(user);
  return path === undefined || isAbsolute(path) ? path : resolve(config.mailRoot, path);
};

/** Creates MailRoot (mode 0700) when it does not exist yet. */
export async function ensureMailRoot(config: DaemonConfig): Promise<void> {
  await mkdir(config.mailRoot, { recursive: true, mode: 0o700 });
}

/**
 * The message store: each user's Maildir is MailRoot/<user>/Maildir, unless the users file gives the user a
 * maildir= of their own. A failed background tidy of a Maildir is logged as `tidy-failed`.
 */
export function createStore(config: DaemonConfig, users: Users, logger: Logger): Store {
  const common = {
    mailRoot: config.mailRoot,
    onTidyError: (maildir: string, error: Error) => logger.warn('tidy-failed', { maildir, message: error.message }),
    exactSize: config.exactSize,
    blockingReads: config.blockingReads,
    // 0 turns the cache off; the count then has no use.
    crlfCache: config.crlfCacheAfterReads > 0,
    crlfCacheAfterReads: Math.max(config.crlfCacheAfterReads, 1),
  };
  const byName = createMaildirStore(common);
  const byPath = createMaildirStore({ ...common, maildirFor: (identity) => ownMaildir(config, users, identity.user) });
  return {
    open: (identity, ctx) => (users.mailboxFor(identity.user) === undefined ? byName : byPath).open(identity, ctx),
  };
}

/**
 * Delivers one message to a user of the users file, after checking that it is an RFC 822 message. Failures are
 * CommandErrors with sysexits codes: 67 unknown user, 65 not a message, 75 temporary (the MTA retries).
 */
export async function deliverMessage(
  config: DaemonConfig,
  users: Users,
  user: string,
  source: AsyncIterable<Uint8Array>,
): Promise<number> {
  const info = users.get(user);
  if (info === undefined) throw new CommandError(EXIT.NOUSER, `no such user: ${JSON.stringify(user)}`);
  try {
    await ensureMailRoot(config);
    const maildir = ownMaildir(config, users, info.user) ?? (await resolveMaildir(config.mailRoot, info.user));
    const delivery = await deliver(maildir, await checkedMessage(source));
    return delivery.uid;
  } catch (err) {
    if (err instanceof MessageFormatError)
      throw new CommandError(EXIT.DATAERR, `not an RFC 822 message: ${err.message}`);
    if (err instanceof MaildirError) {
      throw new CommandError(err.kind === 'permanent' ? EXIT.CANTCREAT : EXIT.TEMPFAIL, err.message, { cause: err });
    }
    throw new CommandError(EXIT.TEMPFAIL, (err as Error).message, { cause: err });
  }
}
