import { createHash, randomBytes } from 'node:crypto';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
/** A random integer in [min, max]. */
export const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

/** The bytes RETR sends for stored bytes, before dot-stuffing: every line ending becomes CRLF. */
export function wireForm(stored: Buffer): Buffer {
  return Buffer.from(stored.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The X-Ledger-Id of a message (stored or as retrieved), or undefined. */
export function ledgerIdOf(message: Buffer | string): string | undefined {
  const text = typeof message === 'string' ? message : message.subarray(0, 4096).toString('latin1');
  return /^X-Ledger-Id: (\S+)\r?$/m.exec(text)?.[1];
}

/** A body line: mostly text, some dot lines (stuffed on the wire), some 8-bit octets. */
function bodyLine(): string {
  const roll = Math.random();
  const text = Array.from({ length: between(0, 90) }, () => String.fromCharCode(between(0x20, 0x7e))).join('');
  if (roll < 0.01) return '.';
  if (roll < 0.08) return `.${text}`;
  if (roll < 0.1) return `..${text}`;
  if (roll < 0.13)
    return Array.from({ length: between(1, 60) }, () => String.fromCharCode(between(0x80, 0xff))).join('');
  return text;
}

/**
 * A message whose identity and checksum travel with it: "X-Ledger-Id" names it, "X-Ledger-Body-Sha256" is the hash of
 * its body. CRLF or LF line ends; mostly small, sometimes over 100 KB so that a kill can land in the middle of a RETR.
 */
export function ledgerMessage(id: string, user: string, largeShare = 0.12): Buffer {
  const eol = Math.random() < 0.5 ? '\r\n' : '\n';
  const targetSize = Math.random() < largeShare ? between(30_000, 150_000) : between(80, 5000);
  const body: string[] = [];
  for (let size = 0; size < targetSize; ) {
    const line = bodyLine();
    body.push(line);
    size += line.length + eol.length;
  }
  const bodyText = body.map((line) => line + eol).join('');
  const header = [
    'From: Ledger <ledger@example.test>',
    `To: ${user}@example.test`,
    `Subject: ledger ${id}`,
    'Date: Fri, 27 Nov 2026 10:00:00 +0000',
    `Message-ID: <${id}@ledger.example.test>`,
    `X-Ledger-Id: ${id}`,
    `X-Ledger-Body-Sha256: ${sha256(Buffer.from(bodyText, 'latin1'))}`,
  ];
  return Buffer.from(header.join(eol) + eol + eol + bodyText, 'latin1');
}

/** Where a message is in its life, as far as the ledger can know it. */
type State =
  /** Being delivered, or a delivery that did not report success: it may or may not be there. */
  | 'sending'
  /** Delivered (success reported, or seen): it must be there until a removal may have happened. */
  | 'stored'
  /** Seen absent after a removal could have happened: it must never come back. */
  | 'gone';

/** Whether a POP3 session may have removed it: DELE then QUIT sent ('possible'), and +OK to that QUIT ('certain'). */
type Removal = 'none' | 'possible' | 'certain';

interface Entry {
  readonly id: string;
  readonly user: string;
  readonly wireSha: string;
  readonly wireSize: number;
  state: State;
  removal: Removal;
}

/**
 * The record of every message ever delivered in a test: its bytes (as hashes), what may have happened to it, and
 * the UID it was given, which must never change and never be given to another message of the same user.
 */
export class Ledger {
  readonly #entries = new Map<string, Entry>();
  readonly #uidToId = new Map<string, string>();
  readonly #idToUid = new Map<string, string>();
  readonly violations: string[] = [];
  #serial = 0;

  /** A new message for `user`, in state 'sending'; `largeShare` of them are over 30 KB. */
  create(user: string, largeShare?: number): { id: string; bytes: Buffer } {
    const id = `L${(++this.#serial).toString(36)}-${randomBytes(4).toString('hex')}`;
    const bytes = ledgerMessage(id, user, largeShare);
    const wire = wireForm(bytes);
    this.#entries.set(id, {
      id,
      user,
      wireSha: sha256(wire),
      wireSize: wire.length,
      state: 'sending',
      removal: 'none',
    });
    return { id, bytes };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The delivery reported success. */
  delivered(id: string): void {
    const entry = this.#get(id);
    if (entry && entry.state === 'sending') entry.state = 'stored';
  }

  removal(id: string, removal: 'possible' | 'certain'): void {
    const entry = this.#get(id);
    if (entry && entry.removal !== 'certain') entry.removal = removal;
  }

  /** True when a session may be removing the message right now (a RETR may then find it gone). */
  mayBeRemoved(id: string): boolean {
    return this.#entries.get(id)?.removal !== 'none';
  }

  idOfUid(user: string, uid: string): string | undefined {
    return this.#uidToId.get(`${user}\0${uid}`);
  }

  /** Records that `user`'s message `uid` is `id`: the pairing may never change in either direction. */
  observeUid(user: string, uid: string, id: string): void {
    const key = `${user}\0${uid}`;
    const known = this.#uidToId.get(key);
    if (known !== undefined && known !== id) this.fail(`${user}: UID ${uid} was ${known}, now names ${id}`);
    const knownUid = this.#idToUid.get(id);
    if (knownUid !== undefined && knownUid !== uid) this.fail(`${user}: ${id} had UID ${knownUid}, now ${uid}`);
    this.#uidToId.set(key, id);
    this.#idToUid.set(id, uid);
  }

  get uidsSeen(): number {
    return this.#uidToId.size;
  }

  /** Checks a retrieved message against what was delivered; returns its id. */
  checkRetrieved(user: string, uid: string, listedSize: number, wire: Buffer): string | undefined {
    const id = ledgerIdOf(wire);
    const entry = id === undefined ? undefined : this.#entries.get(id);
    if (id === undefined || entry === undefined || entry.user !== user) {
      this.fail(`${user}: UID ${uid} holds a message the ledger does not know`);
      return undefined;
    }
    if (entry.state === 'gone') this.fail(`${id} was gone and came back`);
    if (sha256(wire) !== entry.wireSha) this.fail(`${id}: retrieved bytes differ from the delivered ones`);
    if (wire.length !== listedSize) this.fail(`${id}: LIST says ${listedSize} octets, RETR sent ${wire.length}`);
    if (wire.length !== entry.wireSize)
      this.fail(`${id}: ${wire.length} octets retrieved, ${entry.wireSize} delivered`);
    this.observeUid(user, uid, id);
    return id;
  }

  /**
   * Checks a full view of `user`'s mailbox taken while nothing else runs (ledger id -> sha256 of the message's wire
   * form), and settles what it proves: a message seen is stored (and its removal, if any, did not happen); one not
   * seen after a possible removal is gone for good. The wire form is compared, as the store may keep either form.
   */
  audit(user: string, present: ReadonlyMap<string, string>): void {
    for (const [id, sha] of present) {
      const entry = this.#entries.get(id);
      if (entry === undefined || entry.user !== user) {
        this.fail(`${user}: ${id} is not a message of this mailbox`);
        continue;
      }
      if (sha !== entry.wireSha) this.fail(`${id}: the stored message differs from the delivered one`);
      if (entry.state === 'gone') this.fail(`${id} was gone and came back`);
      if (entry.removal === 'certain') this.fail(`${id} was deleted by a completed QUIT and is still there`);
    }
    for (const entry of this.#entries.values()) {
      if (entry.user !== user) continue;
      if (present.has(entry.id)) {
        entry.state = 'stored';
        entry.removal = 'none';
      } else if (entry.state === 'stored' && entry.removal === 'none') {
        this.fail(`${user}: ${entry.id} was delivered, never deleted, and is missing`);
      } else {
        entry.state = 'gone';
      }
    }
  }

  fail(message: string): void {
    if (this.violations.length < 50) this.violations.push(message);
  }

  #get(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) this.fail(`unknown ledger id ${id}`);
    return entry;
  }
}
