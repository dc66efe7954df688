import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliceMaildir } from '../test/fixtures/maildir-fixture.js';
import { Tidier } from './tidier.js';

const HOUR = 60 * 60 * 1000;

describe('Tidier', () => {
  const alice = aliceMaildir();

  /** A file in tmp/, as a delivery cut short leaves it. */
  async function leftover(name: string): Promise<string> {
    const path = join(alice.maildir, 'tmp', name);
    await writeFile(path, 'half a delivery');
    return path;
  }

  it('cleans a Maildir at most once per interval, and again once it is over', async () => {
    // Files count as stale 36 hours after they were last touched (ctime cannot be set back): the clock moves on.
    let now = Date.now() + 40 * HOUR;
    const tidier = new Tidier(
      24 * HOUR,
      (_, error) => expect.fail(error.message),
      () => now,
    );
    const stale = await leftover('1.stale');
    await tidier.tidy(alice.maildir);
    expect(existsSync(stale)).toBe(false);

    const second = await leftover('2.stale');
    now += 37 * HOUR;
    await tidier.tidy(alice.maildir);
    expect(existsSync(second)).toBe(false);

    const third = await leftover('3.stale');
    now += 23 * HOUR;
    await tidier.tidy(alice.maildir);
    expect(existsSync(third), 'within the interval').toBe(true);
    now += 20 * HOUR;
    await tidier.tidy(alice.maildir);
    expect(existsSync(third)).toBe(false);
  });

  it('never rejects: a failure goes to onError, and the next try waits for the interval', async () => {
    let now = Date.now();
    const failures: [string, Error][] = [];
    const tidier = new Tidier(
      HOUR,
      (maildir, error) => failures.push([maildir, error]),
      () => now,
    );
    await rm(join(alice.maildir, 'tmp'), { recursive: true });
    await writeFile(join(alice.maildir, 'tmp'), 'not a folder');
    await expect(tidier.tidy(alice.maildir)).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.[0]).toBe(alice.maildir);
    expect(failures[0]?.[1].message).toMatch(/cannot clean .*tmp/);

    await tidier.tidy(alice.maildir);
    expect(failures, 'within the interval').toHaveLength(1);
    now += HOUR;
    await tidier.tidy(alice.maildir);
    expect(failures).toHaveLength(2);
  });
});
