import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from '../helpers/messages.js';
import { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { LONG, scaled } from './helpers/long-mode.js';
import { MemorySampler, treeMemory } from './helpers/process-tree.js';

const PASSWORD = 'legit user pw';
/** The shortest pre-auth timeout the configuration allows (Exchange's range starts at 30 s). */
const PRE_AUTH_S = 30;
const FLOOD = scaled(2000, 5000);
const PER_IP = 100;
const SLOWLORIS = 30;
/** A legitimate login and RETR normally takes well under a second; under the flood it must stay under this. */
const LEGIT_BOUND_MS = 5000;
/** The flood's connections are a few KiB each in the daemon; 300 MiB is ample for 2000 and far from unbounded. */
const FLOOD_GROWTH_BOUND_MIB = 300;

let fixture: Fixture;

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.addUser('legit', PASSWORD);
  expect((await fixture.deliver('legit', crlfMessage('still served'))).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

/** Opens connections in batches; each waits for its first line (the greeting, or the refusal). */
async function openMany(port: number, count: number, from: (i: number) => string): Promise<PopClient[]> {
  const clients: PopClient[] = [];
  for (let start = 0; start < count; start += 200) {
    const batch = Array.from({ length: Math.min(200, count - start) }, async (_, k) => {
      const client = await PopClient.connect({ port, localAddress: from(start + k), timeoutMs: 20_000 });
      await client.readLine();
      return client;
    });
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** A legitimate user's login and RETR, timed (the bound is checked by the caller; the client waits up to 60 s). */
async function legitimateFetch(port: number): Promise<number> {
  const started = Date.now();
  const client = await PopClient.connect({ port, localAddress: '127.0.0.2', timeoutMs: 60_000 });
  expect(await client.readLine()).toMatch(/^\+OK/);
  await client.login('legit', PASSWORD);
  expect((await client.multiline('RETR 1')).lines).toContain('Subject: still served');
  expect(await client.command('QUIT')).toMatch(/^\+OK/);
  client.close();
  return Date.now() - started;
}

describe('floods', () => {
  it(`${FLOOD} silent connections and slowloris clients: limits hold, legit users get in, the pre-auth timeout ends them`, async () => {
    const maxConnections = FLOOD + SLOWLORIS + 50;
    const configFile = await fixture.writeConfig(
      {
        MaxConnections: maxConnections,
        MaxConnectionFromSingleIP: PER_IP,
        PreAuthenticatedConnectionTimeout: PRE_AUTH_S,
      },
      'flood.toml',
    );
    const daemon = await DaemonProcess.start(configFile);
    const port = daemon.port('plain');
    const held: PopClient[] = [];
    try {
      const baseline = await treeMemory(daemon.child.pid!);
      const sampler = new MemorySampler(daemon.child.pid!, 200);
      const floodStarted = Date.now();
      // Half-open: connected, greeted, silent. PER_IP from each address.
      const flood = await openMany(port, FLOOD, (i) => `127.0.0.${10 + Math.floor(i / PER_IP)}`);
      held.push(...flood);
      expect(flood.every((client) => !client.closed)).toBe(true);
      // Slowloris: a byte every 3 s, never a whole line.
      const slow = await openMany(port, SLOWLORIS, () => '127.0.0.250');
      held.push(...slow);
      const floodOpened = Date.now();
      const drip = setInterval(() => {
        for (const client of slow) if (!client.closed) client.write('U');
      }, 3000);

      // Past the per-address limit: refused with Exchange's line.
      const over = await openMany(port, 20, () => '127.0.0.10');
      for (const client of over) await client.waitClosed();
      await daemon.waitFor(() => daemon.logs.filter((line) => line.event === 'connection-refused').length >= 20);

      // A legitimate user is served while all of that is held.
      const legitMs = await legitimateFetch(port);
      expect(legitMs).toBeLessThan(LEGIT_BOUND_MS);

      // Up to the global limit from fresh addresses, then one more is refused even from a new address.
      const open = FLOOD + SLOWLORIS;
      const fill = await openMany(port, maxConnections - open, (i) => `127.0.1.${1 + Math.floor(i / PER_IP)}`);
      const extra = await PopClient.connect({ port, localAddress: '127.0.2.1' });
      expect(await extra.readLine()).toBe('-ERR BYE Connection refused');
      extra.close();
      for (const client of fill) client.close();
      const peak = await sampler.stop();

      // The pre-auth timeout ends the silent and the dripping connections, each with a last line (V0003).
      const deadline = floodOpened + (PRE_AUTH_S + 15) * 1000;
      while (held.some((client) => !client.closed) && Date.now() < deadline) await sleep(250);
      clearInterval(drip);
      const stillOpen = held.filter((client) => !client.closed).length;
      expect(stillOpen).toBe(0);
      expect(slow.every((client) => client.pending.startsWith('-ERR'))).toBe(true);
      expect(Date.now() - floodStarted).toBeGreaterThanOrEqual(PRE_AUTH_S * 1000 - 1000);

      // The slots are free again: the flooding address may connect, and legit users still get in.
      const again = await PopClient.connect({ port, localAddress: '127.0.0.10' });
      expect(await again.readLine()).toMatch(/^\+OK/);
      again.close();
      const afterMs = await legitimateFetch(port);
      reportFigures('connection-flood', {
        connectionsHeld: FLOOD + SLOWLORIS,
        peakConnections: maxConnections,
        refused: daemon.logs.filter((line) => line.event === 'connection-refused').length,
        legitFetchMs: legitMs,
        legitAfterMs: afterMs,
        baselineMiB: Math.round(baseline),
        peakMiB: Math.round(peak),
        growthMiB: Math.round(peak - baseline),
        timedOutAfterS: Math.round((Date.now() - floodStarted) / 1000),
      });
      expect(peak - baseline).toBeLessThan(FLOOD_GROWTH_BOUND_MIB);
    } finally {
      for (const client of held) client.close();
      await daemon.stop();
    }
  });

  it('a login flood from many addresses does not lock out a legitimate user', async () => {
    // With the default failed-login policy (a 2 s delay and a growing per-address penalty); in long mode also with
    // none at all, where every guess costs the server a full password check, the worst case for everyone else.
    const policed = await loginFlood({ FailedLoginDelay: 2, FailedLoginPenalty: 1 }, 'policed');
    const unpoliced = LONG ? await loginFlood({ FailedLoginDelay: 0, FailedLoginPenalty: 0 }, 'unpoliced') : undefined;
    reportFigures('login-flood', { attackers: ATTACKERS, policed, ...(unpoliced ? { unpoliced } : {}) });
    for (const ms of policed.legitFetchMs) expect(ms).toBeLessThan(LOGIN_FLOOD_BOUND_MS);
    for (const ms of unpoliced?.legitFetchMs ?? []) expect(ms).toBeLessThan(UNPOLICED_BOUND_MS);
    // Every attacker was answered (the server did not stall).
    expect(policed.failedLogins).toBeGreaterThanOrEqual(ATTACKERS);
  });
});

const ATTACKERS = 40;
/**
 * A login is one password check (scrypt, 16 MiB, tens of milliseconds of CPU). The attackers' first guesses arrive
 * together and the checks queue in the order they came, so a login made then waits for up to 40 of them on two
 * cores: a few seconds. After that the delay and the penalty keep the queue short.
 */
const LOGIN_FLOOD_BOUND_MS = 10_000;
/** With no failed-login delay at all, the attackers keep the password KDF busy: a login waits its turn. */
const UNPOLICED_BOUND_MS = 60_000;

/** Attackers guessing from ATTACKERS addresses while a legitimate user fetches three times. */
async function loginFlood(
  settings: Record<string, number>,
  name: string,
): Promise<{ failedLogins: number; legitFetchMs: number[] }> {
  const configFile = await fixture.writeConfig({ ...settings, MaxConnectionFromSingleIP: PER_IP }, `${name}.toml`);
  const daemon = await DaemonProcess.start(configFile);
  const port = daemon.port('plain');
  let failedLogins = 0;
  try {
    const deadline = Date.now() + scaled(5000, 60_000);
    let stopped = false;
    const attackers = Array.from({ length: ATTACKERS }, async (_, i) => {
      while (Date.now() < deadline && !stopped) {
        let client: PopClient;
        try {
          client = await PopClient.connect({ port, localAddress: `127.0.3.${i + 1}`, timeoutMs: 60_000 });
        } catch {
          return;
        }
        try {
          await client.readLine();
          while (!client.closed && Date.now() < deadline) {
            await client.command('USER legit');
            await client.command(`PASS guess-${i}-${failedLogins}`);
            failedLogins++;
          }
        } catch {
          // Closed after MaxFailedLogins.
        } finally {
          client.close();
        }
      }
    });
    const legitFetchMs: number[] = [];
    try {
      await sleep(1500);
      for (let i = 0; i < 3; i++) legitFetchMs.push(await legitimateFetch(port));
    } finally {
      // On a failure the attackers stop early; otherwise they go on to the deadline.
      if (legitFetchMs.length < 3) stopped = true;
      await Promise.all(attackers);
    }
    expect(daemon.child.exitCode).toBeNull();
    return { failedLogins, legitFetchMs };
  } finally {
    await daemon.stop();
  }
}
