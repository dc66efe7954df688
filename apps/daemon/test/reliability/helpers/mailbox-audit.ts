import type { Ledger } from './ledger.js';
import { filesWithoutUid, readMaildir, uniqueOf } from './maildir-audit.js';
import { fetchMailbox } from './pop-mailbox.js';

export interface AuditTarget {
  readonly ledger: Ledger;
  readonly maildir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** What an audit found besides violations (which go to the ledger). */
export interface AuditResult {
  readonly messages: number;
  /** The UID list lock was there before the audit's login (left by a killed process). */
  readonly lockLeft: boolean;
  /** Names left in tmp/ (by killed deliveries). */
  readonly tmp: readonly string[];
}

/**
 * Compares a mailbox, on disk and as a new session sees it, with the ledger while nothing else runs: every message
 * that must be there is, byte for byte; nothing is there twice; LIST sizes match what RETR sends; after the login
 * every file has a UID, the one the session showed.
 */
export async function auditMailbox(target: AuditTarget): Promise<AuditResult> {
  const { ledger, maildir, user } = target;
  const before = await readMaildir(maildir);
  const present = new Map<string, string>();
  for (const [name, { sha, id }] of before.messages) {
    if (id === undefined) ledger.fail(`${user}: ${name} is not a ledger message`);
    else if (present.has(id)) ledger.fail(`${user}: ${id} is stored twice`);
    else present.set(id, sha);
  }
  ledger.audit(user, present);

  const fetched = await fetchMailbox(target.port, user, target.password);
  const shown = new Map<string, string>();
  for (const message of fetched) {
    if (typeof message.wire === 'string') {
      ledger.fail(`${user}: RETR ${message.msn} failed in the audit: ${message.wire}`);
      continue;
    }
    const id = ledger.checkRetrieved(user, message.uid, message.size, message.wire);
    if (id === undefined) continue;
    if (shown.has(id)) ledger.fail(`${user}: ${id} is listed twice`);
    shown.set(id, message.uid);
  }
  if (shown.size !== present.size || [...present.keys()].some((id) => !shown.has(id))) {
    ledger.fail(`${user}: the session shows ${shown.size} messages, the disk holds ${present.size}`);
  }
  const after = await readMaildir(maildir);
  const orphans = filesWithoutUid(after);
  if (orphans.length > 0) ledger.fail(`${user}: files without a UID after a login: ${orphans.join(', ')}`);
  for (const [name, { id }] of after.messages) {
    const uid = id === undefined ? undefined : shown.get(id);
    const onDisk = after.uids.get(uniqueOf(name));
    if (uid !== undefined && String(onDisk) !== uid)
      ledger.fail(`${user}: ${name} has UID ${onDisk} on disk, ${uid} in UIDL`);
  }
  return { messages: fetched.length, lockLeft: before.locked, tmp: before.tmp };
}
