import { exactSize, MessageEncoder } from '@poplar/wire';
import {
  type Identity,
  type Maildrop,
  type MessageStream,
  type Store,
  StoreError,
  type WireFile,
} from '../contracts.js';
import type { MemoryFileSender } from './memory-file-sender.js';

/** A message: its content, or the content with a chosen UID. */
export type MemoryMessage = string | Uint8Array | { readonly content: string | Uint8Array; readonly uid?: string };

export interface MemoryStoreOptions {
  readonly users: Readonly<Record<string, readonly MemoryMessage[]>>;
  /** Octets per chunk when a message is read. Default 64 KiB; small values exercise chunk boundaries. */
  readonly chunkSize?: number;
  /** Refuse a second open of a maildrop that is still open, with [IN-USE]. Default false (Exchange takes no lock). */
  readonly exclusive?: boolean;
  /**
   * Stream messages already in CRLF form (no bare LF, ending with CRLF) as a MessageStream with `form: 'crlf'` and
   * `length`, as a store that keeps mail in wire form does. Default false: plain chunks.
   */
  readonly crlfForm?: boolean;
  /**
   * Answer reads that allow it (ReadOptions.file) with the message's wire form as a file of this sender, as a store
   * that keeps the wire form on disk does.
   */
  readonly wireFiles?: MemoryFileSender;
}

interface Entry {
  readonly uid: string;
  readonly content: Buffer;
  readonly size: number;
}

/** What the store saw, for assertions. */
export interface MemoryStoreStats {
  opens: number;
  releases: number;
  /** Every successful commit: the user and the UIDs it removed. */
  readonly commits: { readonly user: string; readonly uids: readonly string[] }[];
  /** Chunks handed out by read(), over all messages. */
  chunksRead: number;
  /** Reads whose stream was stopped before its end (iterator return()). */
  readsStopped: number;
  /** Reads that allowed a file (ReadOptions.file). */
  fileReadsAllowed: number;
}

export interface MemoryStore extends Store {
  readonly stats: MemoryStoreStats;
  /** Maildrops opened and not yet released. */
  readonly openCount: number;
  /** The user's messages as stored now. */
  messages(user: string): readonly { readonly uid: string; readonly content: Buffer }[];
  /** Delivers a message (open snapshots do not see it). Returns its UID. */
  deliver(user: string, message: MemoryMessage): string;
  /** Removes a message behind the sessions' backs: snapshots still list it; reading it resolves null. */
  remove(user: string, uid: string): void;
  /** Makes the next commit for the user throw, removing nothing. */
  failNextCommit(user: string, error?: Error): void;
  /** Makes open() throw this error for the user until called with undefined. */
  failOpen(user: string, error: Error | undefined): void;
  /** Makes reading the message throw once `afterChunks` chunks were handed out (0: on the first). */
  failRead(user: string, uid: string, afterChunks: number): void;
}

/** A stream that yields nothing: what comes with a file. */
const NOTHING: MessageStream = {
  async *[Symbol.asyncIterator]() {},
};

const TERMINATOR = Buffer.from('.\r\n');

/**
 * The whole answer body as a file: a message in CRLF form without line-start dots as it is, followed by the
 * terminator (as a Maildir store sends Poplar's own deliveries); any other in wire form, terminator included.
 */
function wireFile(files: MemoryFileSender, entry: Entry): WireFile {
  const { content } = entry;
  const dotFree = entry.size === content.length && content[0] !== 0x2e && !content.includes('\n.');
  if (dotFree && content.length > 0) return files.open(content, TERMINATOR);
  const encoder = new MessageEncoder();
  return files.open(Buffer.concat([encoder.push(content), encoder.end()]));
}

/**
 * An in-memory Store with the semantics the session relies on: a snapshot per login, decimal UIDs that only grow
 * (C0007), exact sizes, commit removing exactly the given messages. Test helpers break it on purpose.
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const mailboxes = new Map<string, Entry[]>();
  const nextUid = new Map<string, number>();
  const commitFailures = new Map<string, Error>();
  const openFailures = new Map<string, Error>();
  const readFailures = new Map<string, number>();
  const openUsers = new Map<string, number>();
  const stats: MemoryStoreStats = {
    opens: 0,
    releases: 0,
    commits: [],
    chunksRead: 0,
    readsStopped: 0,
    fileReadsAllowed: 0,
  };

  function deliver(user: string, message: MemoryMessage): string {
    const raw = typeof message === 'string' || message instanceof Uint8Array ? message : message.content;
    const content = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
    const next = nextUid.get(user) ?? 1;
    const chosen = typeof message === 'object' && !(message instanceof Uint8Array) ? message.uid : undefined;
    const uid = chosen ?? String(next);
    nextUid.set(user, Math.max(next, Number(uid) || 0) + 1);
    const box = mailboxes.get(user) ?? [];
    box.push({ uid, content, size: exactSize(content) });
    mailboxes.set(user, box);
    return uid;
  }

  for (const [user, messages] of Object.entries(options.users)) {
    mailboxes.set(user, []);
    for (const message of messages) deliver(user, message);
  }

  async function* chunks(user: string, entry: Entry, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const failAt = readFailures.get(`${user}\0${entry.uid}`);
    let sent = 0;
    let finished = false;
    try {
      for (let offset = 0; offset < entry.content.length; offset += chunkSize) {
        if (signal.aborted) return;
        if (failAt !== undefined && sent >= failAt) throw new Error(`read failure injected for ${entry.uid}`);
        sent++;
        stats.chunksRead++;
        // Let other work run between chunks, as a file read would.
        await new Promise((resolve) => setImmediate(resolve));
        yield entry.content.subarray(offset, offset + chunkSize);
      }
      if (failAt !== undefined && sent >= failAt) throw new Error(`read failure injected for ${entry.uid}`);
      finished = true;
    } finally {
      if (!finished) stats.readsStopped++;
    }
  }

  function open(identity: Identity): Promise<Maildrop> {
    const user = identity.user;
    const failure = openFailures.get(user);
    if (failure) return Promise.reject(failure);
    const box = mailboxes.get(user);
    if (!box) return Promise.reject(new StoreError('permanent', `no mailbox for ${user}`));
    if (options.exclusive && (openUsers.get(user) ?? 0) > 0) {
      return Promise.reject(new StoreError('in-use', `mailbox of ${user} is open`));
    }
    stats.opens++;
    openUsers.set(user, (openUsers.get(user) ?? 0) + 1);
    const snapshot = [...box];
    let released = false;
    const maildrop: Maildrop = {
      count: snapshot.length,
      uid: (index) => snapshot[index]!.uid,
      size: (index) => snapshot[index]!.size,
      async read(index, signal, readOptions) {
        const entry = snapshot[index]!;
        if (!mailboxes.get(user)?.includes(entry)) return null;
        if (readOptions?.file === true) {
          stats.fileReadsAllowed++;
          if (options.wireFiles !== undefined) return { file: wireFile(options.wireFiles, entry), ...NOTHING };
        }
        const stream: MessageStream = chunks(user, entry, signal);
        const crlf = options.crlfForm === true && entry.size === entry.content.length;
        return crlf ? Object.assign(stream, { form: 'crlf' as const, length: entry.size }) : stream;
      },
      async commit(deleted) {
        const error = commitFailures.get(user);
        if (error) {
          commitFailures.delete(user);
          throw error;
        }
        const remove = new Set(deleted.map((index) => snapshot[index]!));
        mailboxes.set(
          user,
          (mailboxes.get(user) ?? []).filter((entry) => !remove.has(entry)),
        );
        stats.commits.push({ user, uids: [...remove].map((entry) => entry.uid) });
      },
      async release() {
        if (released) return;
        released = true;
        stats.releases++;
        openUsers.set(user, (openUsers.get(user) ?? 1) - 1);
      },
    };
    return Promise.resolve(maildrop);
  }

  return {
    stats,
    get openCount() {
      return stats.opens - stats.releases;
    },
    open,
    messages: (user) => (mailboxes.get(user) ?? []).map(({ uid, content }) => ({ uid, content })),
    deliver,
    remove(user, uid) {
      mailboxes.set(
        user,
        (mailboxes.get(user) ?? []).filter((entry) => entry.uid !== uid),
      );
    },
    failNextCommit(user, error = new Error('commit failure injected')) {
      commitFailures.set(user, error);
    },
    failOpen(user, error) {
      if (error) openFailures.set(user, error);
      else openFailures.delete(user);
    },
    failRead(user, uid, afterChunks) {
      readFailures.set(`${user}\0${uid}`, afterChunks);
    },
  };
}
