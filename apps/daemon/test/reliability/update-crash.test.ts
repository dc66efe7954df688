import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deliver } from '@poplar/maildir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { between, Ledger } from './helpers/ledger.js';
import { scaled } from './helpers/long-mode.js';
import { filesWithoutUid, readMaildir, uniqueOf } from './helpers/maildir-audit.js';
import { fetchMailbox, listing, openSession } from './helpers/pop-mailbox.js';

const USER = 'upd';
const PASSWORD = 'update crash pw';
const MAILBOX = 200;
const TRIALS = scaled(6, 60);

let fixture: Fixture;
let configFile: string;
let maildir: string;
const ledger = new Ledger();

beforeAll(async () => {
  fixture = await createFixture();
  // One process: the commit runs where the kill lands, with no worker to hand the session to.
  configFile = await fixture.writeConfig({ Workers: 1 }, 'update.toml');
  await fixture.addUser(USER, PASSWORD);
  maildir = join(fixture.mailRoot, USER, 'Maildir');
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

/** Fills the mailbox up to MAILBOX messages with the store's own delivery. */
async function refill(): Promise<void> {
  const have = (await readMaildir(maildir).catch(() => ({ messages: new Map() }))).messages.size;
  for (let i = have; i < MAILBOX; i++) {
    const { id, bytes } = ledger.create(USER, 0);
    if (i === 0) await fixture.deliver(USER, bytes);
    else await deliver(maildir, bytes);
    ledger.delivered(id);
  }
}

/** Resolves on the first change inside new/ (an unlink by the commit), before the next one can be awaited. */
function firstChange(): { changed: Promise<void>; close(): void } {
  let watcher: FSWatcher | undefined;
  const changed = new Promise<void>((resolve) => {
    watcher = watch(join(maildir, 'new'), () => resolve());
  });
  return { changed, close: () => watcher?.close() };
}

describe('a crash in the middle of UPDATE', () => {
  it('removes only messages marked deleted, and leaves UIDs and sizes consistent', async () => {
    const figures = { trials: 0, marked: 0, removedBeforeKill: 0, partialTrials: 0, messagesChecked: 0 };
    for (let trial = 0; trial < TRIALS; trial++) {
      await refill();
      const daemon = await DaemonProcess.start(configFile);
      const client = await openSession(daemon.port('plain'), USER, PASSWORD);
      const before = await listing(client);
      const marked = before.filter(() => Math.random() < 0.5);
      for (const message of marked) expect(await client.command(`DELE ${message.msn}`)).toMatch(/^\+OK/);
      const uidOf = new Map(before.map((message) => [message.uid, message]));
      const disk = await readMaildir(maildir);
      const byUid = new Map([...disk.messages].map(([name, file]) => [String(disk.uids.get(uniqueOf(name))), file]));

      const watcher = firstChange();
      client.write('QUIT\r\n');
      await watcher.changed;
      // Killed on the first unlink, or a few milliseconds later: the commit is cut at different points.
      if (trial % 2 === 1) await sleep(between(1, 6));
      daemon.signal('SIGKILL');
      watcher.close();
      await daemon.exited;
      client.close();

      const after = await readMaildir(maildir);
      const left = new Set([...after.messages.values()].map((file) => file.id));
      const markedUids = new Set(marked.map((message) => message.uid));
      let removed = 0;
      for (const message of before) {
        const id = byUid.get(message.uid)?.id;
        if (!markedUids.has(message.uid)) expect(left.has(id), `unmarked UID ${message.uid} removed`).toBe(true);
        else if (!left.has(id)) removed++;
      }
      figures.trials++;
      figures.marked += marked.length;
      figures.removedBeforeKill += removed;
      if (removed > 0 && removed < marked.length) figures.partialTrials++;

      // A new session: the survivors, with the UIDs and sizes they had, and RETR sends what LIST announces.
      const restarted = await DaemonProcess.start(configFile);
      const fetched = await fetchMailbox(restarted.port('plain'), USER, PASSWORD);
      await restarted.stop();
      expect(fetched).toHaveLength(before.length - removed);
      for (const message of fetched) {
        expect(uidOf.get(message.uid)?.size, `UID ${message.uid}`).toBe(message.size);
        expect(typeof message.wire).not.toBe('string');
        ledger.checkRetrieved(USER, message.uid, message.size, message.wire as Buffer);
      }
      figures.messagesChecked += fetched.length;
      const present = new Map([...after.messages.values()].map((file) => [file.id!, file.sha]));
      for (const message of marked) {
        const id = byUid.get(message.uid)?.id;
        if (id !== undefined) ledger.removal(id, 'possible');
      }
      ledger.audit(USER, present);
      expect(filesWithoutUid(await readMaildir(maildir))).toEqual([]);
      expect(ledger.violations).toEqual([]);
    }
    reportFigures('update-crash', figures);
    // The kill comes on the first unlink, so at least one trial stops the commit part-way.
    expect(figures.partialTrials).toBeGreaterThan(0);
  });
});
