import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, poplard } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { scaled } from './helpers/long-mode.js';

const PASSWORD = 'the right password';
const TRIES = scaled(100, 1000);
/**
 * How far apart the typical times may be, as a share of the wrong password's. Every failed check runs the password
 * KDF (scrypt, tens of milliseconds here) once; a path that skipped it, or ran it twice, would differ by about 100%.
 * Scheduler noise on 100 interleaved tries is a few percent (measured below as the gap between two halves of one
 * case), so 20% separates the two with room on both sides.
 */
const BOUND_SHARE = 0.2;

let fixture: Fixture;
let daemon: DaemonProcess;

beforeAll(async () => {
  fixture = await createFixture();
  const configFile = await fixture.writeConfig(
    {
      FailedLoginDelay: 0,
      FailedLoginPenalty: 0,
      MaxFailedLogins: 100,
      MaxPreAuthCommands: 1000,
      Workers: 1,
    },
    'enumeration.toml',
  );
  for (const user of ['alice', 'bob', 'mallory']) await fixture.addUser(user, PASSWORD);
  expect((await poplard(['user', 'disable', 'mallory', '--config', configFile])).code).toBe(0);
  daemon = await DaemonProcess.start(configFile);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

/**
 * The mean of the middle half of the values. Not the median: when another process takes a core now and then, the
 * times fall into two clusters, and a median near the border between them jumps from one to the other with a few
 * samples; the middle half's mean moves with their share instead.
 */
const interquartileMean = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.slice(Math.floor(sorted.length / 4), Math.ceil((sorted.length * 3) / 4));
  return middle.reduce((sum, value) => sum + value, 0) / middle.length;
};

/** The login cases an attacker must not tell apart. */
const CASES = {
  unknown: { user: 'nobody-here', password: PASSWORD },
  wrong: { user: 'alice', password: 'not the password' },
  disabled: { user: 'mallory', password: PASSWORD },
} as const;
type Case = keyof typeof CASES;

describe('no user enumeration', () => {
  it('unknown user, wrong password and disabled user get the same answer in the same time', async () => {
    const times: Record<Case, number[]> = { unknown: [], wrong: [], disabled: [] };
    const replies = new Set<string>();
    // One connection at a time: two at once on two cores made the times of each depend on whether the other's KDF
    // overlapped, which is noise this test does not need.
    let client: PopClient | undefined;
    let used = 0;
    for (let i = 0; i < TRIES; i++) {
      // Interleaved in a fresh random order each round, so drift in machine load falls on every case alike.
      for (const name of (Object.keys(CASES) as Case[]).sort(() => Math.random() - 0.5)) {
        if (client === undefined || used >= 90) {
          client?.close();
          client = await PopClient.connect({ port: daemon.port('plain') });
          await client.readLine();
          used = 0;
        }
        const { user, password } = CASES[name];
        expect(await client.command(`USER ${user}`)).toMatch(/^\+OK/);
        const started = performance.now();
        const reply = await client.command(`PASS ${password}`);
        times[name].push(performance.now() - started);
        used++;
        replies.add(reply);
      }
    }
    client?.close();
    expect([...replies]).toEqual(['-ERR Logon failure: unknown user name or bad password.']);

    const typical = Object.fromEntries(
      Object.entries(times).map(([name, values]) => [name, interquartileMean(values)]),
    ) as Record<Case, number>;
    // The noise: how far apart two halves of the same case come out.
    const noise = Math.abs(
      interquartileMean(times.wrong.filter((_, i) => i % 2 === 0)) -
        interquartileMean(times.wrong.filter((_, i) => i % 2 === 1)),
    );
    const bound = BOUND_SHARE * typical.wrong;
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    reportFigures('user-enumeration', {
      triesPerCase: TRIES,
      typicalMs: Object.fromEntries(Object.entries(typical).map(([name, ms]) => [name, round(ms)])),
      noiseMs: round(noise),
      boundMs: round(bound),
    });
    expect(Math.abs(typical.unknown - typical.wrong)).toBeLessThan(bound);
    expect(Math.abs(typical.disabled - typical.wrong)).toBeLessThan(bound);
    // The bound is well above what the measurement itself varies by.
    expect(noise).toBeLessThan(bound / 2);
  });

  it('AUTH PLAIN gives the same answer for unknown user, wrong password and disabled user', async () => {
    const replies = new Set<string>();
    for (const { user, password } of Object.values(CASES)) {
      const client = await PopClient.connect({ port: daemon.port('plain') });
      await client.readLine();
      replies.add(await client.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}`));
      client.close();
    }
    expect(replies.size).toBe(1);
    expect([...replies][0]).toMatch(/^-ERR/);
  });
});
