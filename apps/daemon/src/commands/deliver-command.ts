import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { openUserDatabase } from '@poplar/auth';
import { loadDaemonConfig } from '../config/daemon-config.js';
import { CommandError, EXIT } from '../exit-codes.js';
import { deliverMessage } from '../store.js';

export interface DeliverIo {
  readonly stdin: Readable;
}

/** `poplard deliver USER [--file F]`: one message into the user's Maildir, all or nothing. */
export async function deliverCommand(
  configFile: string,
  user: string,
  file: string | undefined,
  io: DeliverIo,
): Promise<number> {
  const config = await loadDaemonConfig(configFile);
  const users = await openUserDatabase(config.usersFile);
  if (file === undefined) {
    await deliverMessage(config, users, user, io.stdin);
    return EXIT.OK;
  }
  const handle = await open(file).catch((err: unknown) => {
    throw new CommandError(EXIT.NOINPUT, `cannot read ${file}: ${(err as Error).message}`);
  });
  try {
    await deliverMessage(config, users, user, handle.createReadStream({ autoClose: false }));
  } finally {
    await handle.close();
  }
  return EXIT.OK;
}
