import type { Readable, Writable } from 'node:stream';
import { openUserDatabase, type UserDatabase } from '@poplar/auth';
import { loadDaemonConfig } from '../config/daemon-config.js';
import { CommandError, EXIT } from '../exit-codes.js';
import { loadNtKey } from '../nt-key.js';
import { readPassword } from '../password-input.js';

export interface UserCommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export type UserAction =
  | {
      readonly action: 'add';
      readonly name: string;
      readonly ntlm: boolean;
      readonly maildir?: string;
      readonly disabled: boolean;
    }
  | { readonly action: 'passwd'; readonly name: string; readonly ntlm?: boolean }
  | { readonly action: 'del' | 'disable' | 'enable'; readonly name: string }
  | { readonly action: 'list'; readonly json: boolean };

async function openDatabase(configFile: string, create: boolean, stderr: Writable): Promise<UserDatabase> {
  const config = await loadDaemonConfig(configFile);
  const { key, warning } = await loadNtKey(config);
  if (warning) stderr.write(`warning: ${warning}\n`);
  return openUserDatabase(config.usersFile, { create, ...(key === undefined ? {} : { ntKey: key }) });
}

/** `poplard user ...`: edits the users file. Passwords come from the terminal or stdin, never from argv. */
export async function userCommand(configFile: string, action: UserAction, io: UserCommandIo): Promise<number> {
  const db = await openDatabase(configFile, action.action === 'add', io.stderr);
  try {
    switch (action.action) {
      case 'add': {
        const password = await readPassword(io.stdin, io.stderr, true);
        await db.add(action.name, password, {
          ntlm: action.ntlm,
          disabled: action.disabled,
          ...(action.maildir === undefined ? {} : { maildir: action.maildir }),
        });
        io.stdout.write(`added ${action.name}${action.ntlm ? ' (with NTLM)' : ''}\n`);
        break;
      }
      case 'passwd': {
        const password = await readPassword(io.stdin, io.stderr, true);
        await db.setPassword(action.name, password, action.ntlm === undefined ? {} : { ntlm: action.ntlm });
        io.stdout.write(`password of ${action.name} changed\n`);
        break;
      }
      case 'del':
        await db.remove(action.name);
        io.stdout.write(`removed ${action.name}\n`);
        break;
      case 'disable':
      case 'enable':
        await db.setDisabled(action.name, action.action === 'disable');
        io.stdout.write(`${action.name} ${action.action}d\n`);
        break;
      case 'list': {
        const users = db.list();
        if (action.json) {
          io.stdout.write(`${JSON.stringify(users)}\n`);
          break;
        }
        for (const user of users) {
          const flags = [user.disabled ? 'disabled' : 'enabled', user.ntlm ? 'ntlm' : ''].filter(Boolean).join(',');
          io.stdout.write(`${user.user}\t${flags}${user.maildir === undefined ? '' : `\t${user.maildir}`}\n`);
        }
        break;
      }
    }
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    const message = (err as Error).message;
    throw new CommandError(message.startsWith('no such user') ? EXIT.NOUSER : EXIT.DATAERR, message, { cause: err });
  }
}
