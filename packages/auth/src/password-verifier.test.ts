import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthContext } from '@poplar/session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordVerifier } from './password-verifier.js';
import { openUserDatabase, type UserDatabase } from './user-database.js';

const ctx: AuthContext = {
  connection: { id: 't1', remoteAddress: '127.0.0.1', secure: true },
  signal: new AbortController().signal,
};
let dir: string;
let db: UserDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poplar-verifier-'));
  db = await openUserDatabase(join(dir, 'users'), {
    create: true,
    hashSettings: { scheme: 'scrypt', N: 1024, r: 8, p: 1 },
  });
  await db.add('Alice', 'alice pw');
  await db.add('mallory', 'mallory pw', { disabled: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createPasswordVerifier', () => {
  it('answers the canonical identity for USER/PASS', async () => {
    const verifier = createPasswordVerifier(db);
    expect(await verifier.verify('alice', 'alice pw', ctx)).toEqual({
      ok: true,
      identity: { user: 'Alice', mechanism: 'USER' },
    });
  });

  it.each([
    ['wrong password', 'alice', 'alice PW'],
    ['unknown user', 'bob', 'alice pw'],
    ['disabled account', 'mallory', 'mallory pw'],
    ['hostile name', '../Alice', 'alice pw'],
  ])('answers the same failure for a %s', async (_, user, password) => {
    expect(await createPasswordVerifier(db).verify(user, password, ctx)).toEqual({ ok: false, reason: 'credentials' });
  });

  it("answers 'temporary' when the check itself fails", async () => {
    const broken = createPasswordVerifier({
      checkPassword: () => Promise.reject(new Error('scrypt: out of memory')),
    });
    expect(await broken.verify('alice', 'alice pw', ctx)).toEqual({ ok: false, reason: 'temporary' });
  });
});
