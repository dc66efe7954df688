import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { UID_LIST_LOCK } from '@poplar/maildir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { cliDelivery, foreignDelivery } from './helpers/deliveries.js';
import { reportFigures } from './helpers/figures.js';
import { between, Ledger, ledgerIdOf } from './helpers/ledger.js';
import { scaled } from './helpers/long-mode.js';
import { auditMailbox } from './helpers/mailbox-audit.js';
import { readMaildir } from './helpers/maildir-audit.js';
import { listing, openSession } from './helpers/pop-mailbox.js';
import { killTree } from './helpers/process-tree.js';

const USERS = ['sam', 'tia'];
const PASSWORD = 'shared storage pw';
const DAEMONS = 3;
const LOAD_MS = scaled(6000, 120_000);
const BURST = fileURLToPath(new URL('./helpers/deliver-burst.mjs', import.meta.url));

let fixture: Fixture;
let configFile: string;
const ledger = new Ledger();
const figures = {
  daemons: DAEMONS,
  daemonKills: 0,
  sessions: 0,
  listingsChecked: 0,
  storeDeliveries: 0,
  cliDeliveries: 0,
  foreignDeliveries: 0,
  deliveriesKilled: 0,
  messagesChecked: 0,
};

beforeAll(async () => {
  fixture = await createFixture();
  // One process per daemon: three of them stand for three servers sharing the storage.
  configFile = await fixture.writeConfig({ MaxConnectionsPerUser: 64, Workers: 1 }, 'shared.toml');
  for (const user of USERS) await fixture.addUser(user, PASSWORD);
  for (const user of USERS) expect((await fixture.deliver(user, ledger.create(user, 0).bytes)).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const maildirOf = (user: string): string => join(fixture.mailRoot, user, 'Maildir');
const anyUser = (): string => USERS[between(0, USERS.length - 1)] as string;

/** A delivery process using the store directly: it prints each UID it handed out, which may never change. */
async function storeBurst(count: number, kill: boolean): Promise<void> {
  const child = spawn(process.execPath, [BURST], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const sent = new Map<string, string>();
  lines.on('line', (line) => {
    const [id, uid] = line.split(' ') as [string, string];
    ledger.delivered(id);
    ledger.observeUid(sent.get(id) as string, uid, id);
    figures.storeDeliveries++;
  });
  child.stdin.on('error', () => {});
  for (let i = 0; i < count; i++) {
    const user = anyUser();
    const { id, bytes } = ledger.create(user, 0.05);
    sent.set(id, user);
    child.stdin.write(`${JSON.stringify({ maildir: maildirOf(user), id, message: bytes.toString('base64') })}\n`);
  }
  child.stdin.end();
  const timer = kill ? setTimeout(() => child.kill('SIGKILL'), between(50, 400)) : undefined;
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (signal === 'SIGKILL') figures.deliveriesKilled++;
  else if (code !== 0) ledger.fail(`a delivery process exited ${code}`);
}

async function deliverByCli(kill: boolean): Promise<void> {
  const user = anyUser();
  const { id, bytes } = ledger.create(user, 0.05);
  const outcome = await cliDelivery(configFile, user, bytes, kill ? between(50, 600) : undefined);
  figures.cliDeliveries++;
  if (outcome === 'delivered') ledger.delivered(id);
  else if (outcome === 'killed') figures.deliveriesKilled++;
  else ledger.fail(outcome.failed);
}

async function deliverByOtherMda(): Promise<void> {
  const user = anyUser();
  const { id, bytes } = ledger.create(user, 0.05);
  await foreignDelivery(maildirOf(user), bytes);
  ledger.delivered(id);
  figures.foreignDeliveries++;
}

/** The daemons, one of which is killed and restarted while the load runs. */
class Cluster {
  readonly daemons: DaemonProcess[] = [];
  readonly down = new Set<number>();
  /** Kills so far, per daemon: a session that spans one may fail. */
  readonly kills = new Array<number>(DAEMONS).fill(0);

  async start(): Promise<void> {
    for (let i = 0; i < DAEMONS; i++) this.daemons.push(await DaemonProcess.start(configFile));
  }

  port(i: number): number {
    return (this.daemons[i] as DaemonProcess).port('plain');
  }

  async killAndRestart(i: number): Promise<void> {
    this.down.add(i);
    this.kills[i] = (this.kills[i] ?? 0) + 1;
    const daemon = this.daemons[i] as DaemonProcess;
    await killTree(daemon.child.pid as number);
    await daemon.exited;
    this.daemons[i] = await DaemonProcess.start(configFile);
    this.down.delete(i);
    figures.daemonKills++;
  }
}

/**
 * Sessions on one daemon: each lists the mailbox, reads every message's header with TOP (a message shown twice or a
 * UID that changed is a violation), deletes a few when the mailbox is large, and QUITs.
 */
async function sessions(cluster: Cluster, i: number, user: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (cluster.down.has(i)) {
      await sleep(50);
      continue;
    }
    let client: PopClient | undefined;
    const kills = cluster.kills[i];
    try {
      client = await openSession(cluster.port(i), user, PASSWORD);
      figures.sessions++;
      const messages = await listing(client);
      const seen = new Set<string>();
      const deletes: string[] = [];
      for (const message of messages) {
        const top = await client.multiline(`TOP ${message.msn} 0`);
        if (!top.status.startsWith('+OK')) {
          const id = ledger.idOfUid(user, message.uid);
          if (id === undefined || !ledger.mayBeRemoved(id)) ledger.fail(`${user}: TOP ${message.msn}: ${top.status}`);
          continue;
        }
        const id = ledgerIdOf(top.lines.join('\r\n'));
        if (id === undefined) {
          ledger.fail(`${user}: UID ${message.uid} has no ledger id`);
          continue;
        }
        if (seen.has(id)) ledger.fail(`${user}: ${id} is shown twice in one session`);
        seen.add(id);
        ledger.observeUid(user, message.uid, id);
        if (
          messages.length > 25 &&
          Math.random() < 0.15 &&
          (await client.command(`DELE ${message.msn}`)).startsWith('+OK')
        ) {
          deletes.push(id);
        }
      }
      figures.listingsChecked++;
      for (const id of deletes) ledger.removal(id, 'possible');
      if ((await client.command('QUIT')).startsWith('+OK')) for (const id of deletes) ledger.removal(id, 'certain');
    } catch (err) {
      if (kills === cluster.kills[i] && !cluster.down.has(i))
        ledger.fail(`${user} on daemon ${i}: ${(err as Error).message}`);
    } finally {
      client?.close();
    }
  }
}

/** Runs `task` again and again until the deadline. */
async function repeat(deadline: number, task: () => Promise<void>): Promise<void> {
  while (Date.now() < deadline) await task();
}

describe('several daemons and delivery processes on the same Maildirs', () => {
  it('lose no UID list update, show no message twice, and keep every UID', async () => {
    const cluster = new Cluster();
    await cluster.start();
    const deadline = Date.now() + LOAD_MS;
    const load = [
      ...cluster.daemons.flatMap((_, i) => USERS.map((user) => sessions(cluster, i, user, deadline))),
      repeat(deadline, () => storeBurst(between(3, 10), Math.random() < 0.2)),
      repeat(deadline, () => storeBurst(between(3, 10), Math.random() < 0.2)),
      repeat(deadline, () => deliverByCli(Math.random() < 0.2)),
      repeat(deadline, async () => {
        await deliverByOtherMda();
        await sleep(between(20, 200));
      }),
      (async () => {
        while (Date.now() < deadline - 1500) {
          await sleep(between(1000, 2500));
          await cluster.killAndRestart(between(0, DAEMONS - 1));
        }
      })(),
    ];
    await Promise.all(load);
    expect(ledger.violations).toEqual([]);

    for (const user of USERS) {
      const result = await auditMailbox({
        ledger,
        maildir: maildirOf(user),
        port: cluster.port(0),
        user,
        password: PASSWORD,
      });
      figures.messagesChecked += result.messages;
    }
    for (const daemon of cluster.daemons) await daemon.stop();
    expect(ledger.violations).toEqual([]);
    // Every UID in each list is used once.
    for (const user of USERS) {
      const uids = [...(await readMaildir(maildirOf(user))).uids.values()];
      expect(new Set(uids).size).toBe(uids.length);
    }
    reportFigures('shared-maildir', { ...figures, messagesDelivered: ledger.size, uidsTracked: ledger.uidsSeen });
    expect(figures.daemonKills).toBeGreaterThan(0);
  });
});

describe('stale locks', () => {
  const lockOf = (user: string): string => join(maildirOf(user), UID_LIST_LOCK);
  const timedDelivery = async (): Promise<{ ms: number; code: number | null }> => {
    const started = Date.now();
    const result = await fixture.deliver('sam', ledger.create('sam', 0).bytes);
    return { ms: Date.now() - started, code: result.code };
  };

  it('breaks a lock whose owner died on this host, at once', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await once(dead, 'exit');
    await writeFile(lockOf('sam'), `${dead.pid} ${hostname()} 0123456789abcdef\n`);
    const { ms, code } = await timedDelivery();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
    await expect(stat(lockOf('sam'))).rejects.toThrow();
  });

  it('breaks a lock from another host once it is older than the stale time', async () => {
    await writeFile(lockOf('sam'), `4242 other-host.example 0123456789abcdef\n`);
    const old = new Date(Date.now() - 10 * 60 * 1000);
    await utimes(lockOf('sam'), old, old);
    const { code } = await timedDelivery();
    expect(code).toBe(0);
    await expect(stat(lockOf('sam'))).rejects.toThrow();
  });

  it('waits for a live lock from another host instead of breaking it', async () => {
    await writeFile(lockOf('sam'), `4242 other-host.example 0123456789abcdef\n`);
    const delivery = timedDelivery();
    await sleep(1500);
    // Still waiting: the lock is fresh, its owner may be alive.
    expect((await readMaildir(maildirOf('sam'))).locked).toBe(true);
    await rm(lockOf('sam'));
    const { ms, code } = await delivery;
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1400);
  });
});
