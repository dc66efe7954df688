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
    const tidier = new Tidier(24 * HOUR, () => now);
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

  it('never fails: a Maildir that is gone is simply not tidied', async () => {
    const tidier = new Tidier(HOUR);
    await rm(alice.root, { recursive: true });
    await expect(tidier.tidy(alice.maildir)).resolves.toBeUndefined();
  });
});
