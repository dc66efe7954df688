import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { cliDelivery, foreignDelivery } from './helpers/deliveries.js';
import { reportFigures } from './helpers/figures.js';
import { between, Ledger } from './helpers/ledger.js';
import { scaled } from './helpers/long-mode.js';
import { auditMailbox } from './helpers/mailbox-audit.js';
import { listing, openSession, retrieve } from './helpers/pop-mailbox.js';
import { killTree, processTree } from './helpers/process-tree.js';

const USERS = ['ana', 'ben', 'cai'];
const PASSWORD = 'crash trial pw';
const TRIALS = scaled(30, 300);
const SESSIONS_PER_USER = 2;

let fixture: Fixture;
let configFile: string;
/** The same daemon with two worker processes, for the trials that kill one of them. */
let clusterConfigFile: string;
const ledger = new Ledger();
const figures = {
  trials: 0,
  deliveries: 0,
  deliveriesKilled: 0,
  workersKilled: 0,
  foreignDeliveries: 0,
  sessions: 0,
  retrieved: 0,
  quitsCompleted: 0,
  staleLocksLeft: 0,
  messagesChecked: 0,
  restartMs: 0,
};
/** Files killed deliveries left in tmp/ (invisible to sessions, removed by cleanTmp after 36 hours). */
const tmpLeftovers = new Set<string>();

beforeAll(async () => {
  fixture = await createFixture();
  // One user's sessions at once: the workers plus an audit.
  configFile = await fixture.writeConfig({ MaxConnectionsPerUser: 64, Workers: 1 }, 'crash.toml');
  clusterConfigFile = await fixture.writeConfig({ MaxConnectionsPerUser: 64, Workers: 2 }, 'crash-workers.toml');
  for (const user of USERS) await fixture.addUser(user, PASSWORD);
  await Promise.all(USERS.map((user) => deliverByCli(user, false)));
  for (const user of USERS) for (let i = 0; i < 4; i++) await deliverByOtherMda(user);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const maildirOf = (user: string): string => join(fixture.mailRoot, user, 'Maildir');

/** `poplard deliver`, SIGKILLed at a random moment when `kill` is set. */
async function deliverByCli(user: string, kill: boolean): Promise<void> {
  const { id, bytes } = ledger.create(user);
  const outcome = await cliDelivery(configFile, user, bytes, kill ? between(0, 700) : undefined);
  figures.deliveries++;
  if (outcome === 'delivered') ledger.delivered(id);
  else if (outcome === 'killed') figures.deliveriesKilled++;
  else ledger.fail(`delivery of ${id}: ${outcome.failed}`);
}

async function deliverByOtherMda(user: string): Promise<void> {
  const { id, bytes } = ledger.create(user);
  await foreignDelivery(maildirOf(user), bytes);
  ledger.delivered(id);
  figures.foreignDeliveries++;
}

/** What a trial has done to the daemon so far: killed one of its workers, or all of it. */
interface Damage {
  workerKilled: boolean;
  daemonKilled: boolean;
}

async function worker(port: number, user: string, damage: Damage): Promise<void> {
  while (!damage.daemonKilled) {
    let client: PopClient | undefined;
    try {
      client = await openSession(port, user, PASSWORD);
      figures.sessions++;
      const messages = await listing(client);
      for (let i = 1; i < messages.length; i++) {
        if (Number(messages[i]?.uid) <= Number(messages[i - 1]?.uid)) ledger.fail(`${user}: UIDL not increasing`);
      }
      const deletes: string[] = [];
      const picked = messages.sort(() => Math.random() - 0.5).slice(0, between(1, 3));
      for (const message of picked) {
        const wire = await retrieve(client, message.msn);
        if (typeof wire === 'string') {
          const id = ledger.idOfUid(user, message.uid);
          if (id === undefined || !ledger.mayBeRemoved(id)) {
            ledger.fail(`${user}: RETR of UID ${message.uid} (${id}) got "${wire}", but nobody was deleting it`);
          }
          continue;
        }
        figures.retrieved++;
        const id = ledger.checkRetrieved(user, message.uid, message.size, wire);
        if (id !== undefined && Math.random() < (messages.length > 12 ? 0.7 : 0.25)) {
          if ((await client.command(`DELE ${message.msn}`)).startsWith('+OK')) deletes.push(id);
        }
      }
      if (Math.random() < 0.8) {
        for (const id of deletes) ledger.removal(id, 'possible');
        if ((await client.command('QUIT')).startsWith('+OK')) {
          for (const id of deletes) ledger.removal(id, 'certain');
          figures.quitsCompleted++;
        }
      }
    } catch (err) {
      if (!damage.workerKilled && !damage.daemonKilled) {
        ledger.fail(`${user}: session failed while the daemon was up: ${(err as Error).message}`);
        return;
      }
      // A killed worker ends its sessions; the others and the replacement serve on.
      if (!damage.daemonKilled) await sleep(50);
    } finally {
      client?.close();
    }
  }
}

async function audit(port: number): Promise<void> {
  const results = await Promise.all(
    USERS.map((user) => auditMailbox({ ledger, maildir: maildirOf(user), port, user, password: PASSWORD })),
  );
  for (const [i, result] of results.entries()) {
    figures.messagesChecked += result.messages;
    if (result.lockLeft) figures.staleLocksLeft++;
    for (const name of result.tmp) tmpLeftovers.add(`${USERS[i]}/${name}`);
  }
}

const withWorkers = (trial: number): boolean => trial % 3 === 1;

describe('SIGKILL during RETR, DELE, QUIT and deliveries', () => {
  it(`loses no message, reuses no UID and needs no repair, over ${TRIALS} trials`, async () => {
    const started = Date.now();
    let daemon = await DaemonProcess.start(configFile);
    await audit(daemon.port('plain'));
    for (let trial = 0; trial < TRIALS; trial++) {
      const port = daemon.port('plain');
      const damage: Damage = { workerKilled: false, daemonKilled: false };
      const work = [
        ...USERS.flatMap((user) => Array.from({ length: SESSIONS_PER_USER }, () => worker(port, user, damage))),
        ...Array.from({ length: 2 }, async () => {
          await sleep(between(0, 800));
          await deliverByCli(USERS[between(0, USERS.length - 1)]!, Math.random() < 0.3);
        }),
        ...Array.from({ length: 3 }, async () => {
          await sleep(between(0, 1200));
          await deliverByOtherMda(USERS[between(0, USERS.length - 1)]!);
        }),
      ];
      const end = Date.now() + between(150, 1100);
      // In every third trial (run with two workers) one worker process dies first; the supervisor replaces it.
      if (withWorkers(trial)) {
        await sleep(between(50, 600));
        const workers = (await processTree(daemon.child.pid!)).slice(1);
        damage.workerKilled = workers.length > 0;
        if (damage.workerKilled) process.kill(workers[between(0, workers.length - 1)]!, 'SIGKILL');
        figures.workersKilled += damage.workerKilled ? 1 : 0;
      }
      await sleep(Math.max(0, end - Date.now()));
      // Then the whole daemon, every process at once, as an OOM kill or a power cut would.
      damage.daemonKilled = true;
      await killTree(daemon.child.pid!);
      await daemon.exited;
      await Promise.all(work);
      // The next start is the plain start an operator (or systemd) would do: nothing is repaired first.
      const restart = Date.now();
      daemon = await DaemonProcess.start(withWorkers(trial + 1) ? clusterConfigFile : configFile);
      figures.restartMs = Math.max(figures.restartMs, Date.now() - restart);
      await audit(daemon.port('plain'));
      figures.trials++;
      expect(ledger.violations, `trial ${trial}`).toEqual([]);
    }
    await daemon.stop();
    reportFigures('sigkill-crash', {
      ...figures,
      tmpLeftovers: tmpLeftovers.size,
      messagesDelivered: ledger.size,
      uidsTracked: ledger.uidsSeen,
      seconds: Math.round((Date.now() - started) / 1000),
    });
    expect(figures.quitsCompleted).toBeGreaterThan(0);
    expect(figures.deliveriesKilled).toBeGreaterThan(0);
  });
});
