/**
 * The user database: a users file (see users-file.ts) loaded into memory, with edits written back crash-safely.
 */
import { randomBytes } from 'node:crypto';
import { constants, type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ntHash } from '@poplar/auth-ntlm';
import { DecoyHashes } from './decoy-hashes.js';
import { decryptNtHash, encryptNtHash, NT_KEY_BYTES } from './nt-hash-cipher.js';
import {
  checkHashSettings,
  DEFAULT_HASH_SETTINGS,
  type HashSettings,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from './password-hash.js';
import { saslPrep } from './sasl-prep.js';
import { isValidUserName, userKey } from './user-name.js';
import {
  checkMaildirPath,
  decodeUsersFile,
  formatUsersFile,
  parseUsersFile,
  type UserEntry,
  type UsersFileLine,
} from './users-file.js';

export interface UserDatabaseOptions {
  /** 32-byte server key for the NT hashes. Without it NTLM accounts can be neither read nor created. */
  readonly ntKey?: Uint8Array;
  /**
   * Settings for hashes made by add() and setPassword(). Default: scrypt N=16384, r=8, p=1. Unknown users are
   * checked against decoys that cost what the users in the file cost; these settings only while it has none.
   */
  readonly hashSettings?: HashSettings;
  /** Create an empty users file (mode 0600) when none exists. */
  readonly create?: boolean;
}

/** What the database tells about a user: never a secret. */
export interface UserInfo {
  readonly user: string;
  readonly disabled: boolean;
  /** True when an NT hash is stored, i.e. the user may log in with NTLM. */
  readonly ntlm: boolean;
  readonly maildir?: string;
  /** Scheme of the stored password hash, e.g. 'scrypt'. */
  readonly scheme: HashSettings['scheme'];
}

export interface NtlmAccount {
  /** The canonical user name. */
  readonly user: string;
  readonly ntHash: Uint8Array;
}

export interface AddUserOptions {
  /** Also store an encrypted NT hash so the user can log in with NTLM (needs the NT key). */
  readonly ntlm?: boolean;
  readonly maildir?: string;
  readonly disabled?: boolean;
}

export interface SetPasswordOptions {
  /** true: store an NT hash, false: drop it. Default: keep NTLM on or off as it was. */
  readonly ntlm?: boolean;
}

const MAX_PASSWORD_OCTETS = 255;
const FILE_HEADER = [
  '# Poplar users file. One user per line:',
  '#   name:password-hash:nt=<encrypted NT hash>:maildir=<path>:flags=disabled',
];

type Entries = ReadonlyMap<string, UserEntry>;

function indexEntries(lines: readonly UsersFileLine[]): Entries {
  const map = new Map<string, UserEntry>();
  for (const line of lines) if (line.kind === 'user') map.set(userKey(line.entry.name), line.entry);
  return map;
}

function info(entry: UserEntry): UserInfo {
  return {
    user: entry.name,
    disabled: entry.disabled,
    ntlm: entry.nt !== undefined,
    scheme: entry.hash.settings.scheme,
    ...(entry.maildir === undefined ? {} : { maildir: entry.maildir }),
  };
}

/** The password in the form that is hashed: SASLprep'd. Throws for a password that can never be used. */
function preparedPassword(password: string): string {
  const prepared = saslPrep(password);
  if (prepared === null) throw new Error('password is empty or contains characters that SASLprep prohibits');
  if (Buffer.byteLength(prepared, 'utf8') > MAX_PASSWORD_OCTETS) {
    throw new Error(`password is longer than ${MAX_PASSWORD_OCTETS} octets`);
  }
  return prepared;
}

async function readUsersFile(path: string): Promise<UsersFileLine[]> {
  // A symbolic link is refused: edits replace the file by rename, which would silently turn it into a copy.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ELOOP' ? new Error(`${path}: users file is a symbolic link; name the file itself`) : err;
  });
  try {
    // Checked on the open handle, so the file read is the file checked.
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${path}: users file is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(`${path}: users file has mode ${mode}; it holds password hashes, so chmod 600 it`);
    }
    return parseUsersFile(decodeUsersFile(await handle.readFile(), path), path);
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `text` so a crash leaves either the old or the new file, never a torn one. */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable. Directories cannot be fsync'd everywhere (Windows): best effort.
  const dirHandle = await open(dir, 'r').catch(() => undefined);
  await dirHandle?.sync().catch(() => {});
  await dirHandle?.close();
}

export class UserDatabase {
  readonly path: string;
  readonly #ntKey: Uint8Array | undefined;
  readonly #hashSettings: HashSettings;
  /** For unknown users: cost what known users do. */
  readonly #decoys: DecoyHashes;
  #entries: Entries = new Map();
  #edits: Promise<unknown> = Promise.resolve();

  /** Use openUserDatabase(). */
  private constructor(path: string, lines: readonly UsersFileLine[], options: UserDatabaseOptions) {
    this.path = path;
    this.#ntKey = options.ntKey === undefined ? undefined : Uint8Array.from(options.ntKey);
    this.#hashSettings = options.hashSettings ?? DEFAULT_HASH_SETTINGS;
    this.#decoys = new DecoyHashes(this.#hashSettings);
    this.#load(lines);
  }

  /** @internal */
  static async open(path: string, options: UserDatabaseOptions): Promise<UserDatabase> {
    if (options.ntKey !== undefined && options.ntKey.length !== NT_KEY_BYTES) {
      throw new RangeError(`ntKey must be ${NT_KEY_BYTES} bytes`);
    }
    const problem = options.hashSettings && checkHashSettings(options.hashSettings);
    if (problem) throw new RangeError(`invalid hashSettings: ${problem}`);
    let lines: UsersFileLine[];
    try {
      lines = await readUsersFile(path);
    } catch (err) {
      if (!options.create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      lines = FILE_HEADER.map((text) => ({ kind: 'text', text }));
      await writeFileAtomically(path, formatUsersFile(lines));
    }
    return new UserDatabase(path, lines, options);
  }

  /** Re-reads the file (e.g. on SIGHUP). On error the previous contents stay in force and the error is thrown. */
  async reload(): Promise<void> {
    this.#load(await readUsersFile(this.path));
  }

  get(user: string): UserInfo | undefined {
    const entry = this.#find(user);
    return entry && info(entry);
  }

  list(): UserInfo[] {
    return [...this.#entries.values()].map(info);
  }

  /** The user's own Maildir path, when the file sets one. */
  mailboxFor(user: string): string | undefined {
    return this.#find(user)?.maildir;
  }

  /**
   * The canonical name when `password` is right and the account is enabled, otherwise null. Runs the KDF exactly once
   * whatever the outcome (unknown user, disabled account, malformed password), so neither work nor timing tells them
   * apart: an unknown name gets a decoy hash of a cost that users in the file have (see decoy-hashes.ts). Rejects only
   * when the KDF itself fails.
   */
  async checkPassword(user: string, password: string): Promise<string | null> {
    const entry = this.#find(user);
    const prepared = saslPrep(password);
    const matches = await verifyPassword(prepared ?? password, entry?.hash ?? this.#decoys.for(userKey(user)));
    return matches && entry !== undefined && prepared !== null && !entry.disabled ? entry.name : null;
  }

  /** The decrypted NT hash, or null for unknown and disabled users and users without NTLM. */
  async ntlmAccount(user: string): Promise<NtlmAccount | null> {
    const entry = this.#find(user);
    if (!entry || entry.disabled || entry.nt === undefined) return null;
    return { user: entry.name, ntHash: decryptNtHash(this.#requireNtKey(), entry.name, entry.nt) };
  }

  async add(user: string, password: string, options: AddUserOptions = {}): Promise<void> {
    if (!isValidUserName(user)) {
      throw new Error('invalid user name: use 1..64 of A-Z a-z 0-9 . _ @ + -, starting with a letter or digit');
    }
    const problem = options.maildir === undefined ? null : checkMaildirPath(options.maildir);
    if (problem) throw new Error(problem);
    const secrets = await this.#secrets(user, password, options.ntlm ?? false);
    await this.#edit((lines) => {
      if (indexEntries(lines).has(userKey(user))) throw new Error(`user ${user} already exists`);
      const entry: UserEntry = {
        name: user,
        ...secrets,
        disabled: options.disabled ?? false,
        ...(options.maildir === undefined ? {} : { maildir: options.maildir }),
      };
      return [...lines, { kind: 'user', entry }];
    });
  }

  async setPassword(user: string, password: string, options: SetPasswordOptions = {}): Promise<void> {
    const current = this.#require(user);
    const secrets = await this.#secrets(current.name, password, options.ntlm ?? current.nt !== undefined);
    await this.#update(user, (entry) => {
      const { nt: _dropped, ...rest } = entry;
      return { ...rest, ...secrets };
    });
  }

  async setDisabled(user: string, disabled: boolean): Promise<void> {
    await this.#update(user, (entry) => ({ ...entry, disabled }));
  }

  async remove(user: string): Promise<void> {
    await this.#update(user, () => null);
  }

  #load(lines: readonly UsersFileLine[]): void {
    this.#entries = indexEntries(lines);
    this.#decoys.update(Array.from(this.#entries.values(), (entry) => entry.hash));
  }

  #find(user: string): UserEntry | undefined {
    return isValidUserName(user) ? this.#entries.get(userKey(user)) : undefined;
  }

  #require(user: string): UserEntry {
    const entry = this.#find(user);
    if (!entry) throw new Error(`no such user: ${isValidUserName(user) ? user : '(invalid name)'}`);
    return entry;
  }

  #requireNtKey(): Uint8Array {
    if (!this.#ntKey) throw new Error('no NT key configured: NTLM accounts need one');
    return this.#ntKey;
  }

  async #secrets(user: string, password: string, ntlm: boolean): Promise<Pick<UserEntry, 'hash' | 'nt'>> {
    const prepared = preparedPassword(password);
    // NTLM clients hash the password exactly as typed, so the NT hash is made from it unprepared.
    const nt = ntlm ? encryptNtHash(this.#requireNtKey(), user, ntHash(password)) : undefined;
    const hash = parsePasswordHash(await hashPassword(prepared, this.#hashSettings));
    return nt === undefined ? { hash } : { hash, nt };
  }

  /** Applies `change` to one user (null removes it), re-reading the file first so edits by others are kept. */
  #update(user: string, change: (entry: UserEntry) => UserEntry | null): Promise<void> {
    return this.#edit((lines) => {
      const key = isValidUserName(user) ? userKey(user) : undefined;
      let found = false;
      const next = lines.flatMap((line): UsersFileLine[] => {
        if (line.kind !== 'user' || userKey(line.entry.name) !== key) return [line];
        found = true;
        const entry = change(line.entry);
        return entry ? [{ kind: 'user', entry }] : [];
      });
      if (!found) throw new Error(`no such user: ${key === undefined ? '(invalid name)' : user}`);
      return next;
    });
  }

  /** Serialises edits in this process; each one reads, changes and atomically rewrites the file. */
  #edit(change: (lines: readonly UsersFileLine[]) => UsersFileLine[]): Promise<void> {
    const run = async (): Promise<void> => {
      const next = change(await readUsersFile(this.path));
      await writeFileAtomically(this.path, formatUsersFile(next));
      this.#load(next);
    };
    const result = this.#edits.then(run, run);
    this.#edits = result.catch(() => {});
    return result;
  }
}

/** Loads a users file. Refuses files that group or others may read or write. */
export function openUserDatabase(path: string, options: UserDatabaseOptions = {}): Promise<UserDatabase> {
  return UserDatabase.open(path, options);
}
