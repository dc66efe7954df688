import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthContext, createPasswordVerifier, openUserDatabase, type UserDatabase } from '@poplar/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainMechanism } from './plain-mechanism.js';

const SaslPlain = createRequire(import.meta.url)('sasl-plain') as new () => {
  response(cred: { authzid?: string; username: string; password: string }): string;
};

const ctx: AuthContext = {
  connection: { id: 'c1', remoteAddress: '127.0.0.1', secure: true },
  signal: new AbortController().signal,
};
let dir: string;
let db: UserDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poplar-plain-'));
  db = await openUserDatabase(join(dir, 'users'), {
    create: true,
    hashSettings: { scheme: 'scrypt', N: 1024, r: 8, p: 1 },
  });
  await db.add('alice', 'Pässwörd 1');
  await db.add('mallory', 'mallory pw', { disabled: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function login(username: string, password: string, authzid?: string) {
  const verifier = createPasswordVerifier(db);
  const exchange = createPlainMechanism({ verifier }).start(ctx);
  const message = new SaslPlain().response({ username, password, ...(authzid === undefined ? {} : { authzid }) });
  try {
    return await exchange.step(Buffer.from(message, 'utf8'));
  } finally {
    exchange.dispose();
  }
}

describe('PLAIN over the user database', () => {
  it('logs in, and agrees with USER/PASS on the password', async () => {
    expect(await login('alice', 'Pässwörd 1')).toEqual({
      kind: 'success',
      identity: { user: 'alice', mechanism: 'PLAIN' },
    });
    // The same password decomposed (NFD) still matches, through PLAIN and through USER/PASS.
    const decomposed = 'Pässwörd 1'.normalize('NFD');
    expect(await login('Alice', decomposed)).toMatchObject({ kind: 'success' });
    expect(await createPasswordVerifier(db).verify('alice', decomposed, ctx)).toMatchObject({ ok: true });
  });

  it('refuses wrong passwords, unknown users and disabled accounts the same way', async () => {
    const failed = { kind: 'failure', reason: 'credentials' };
    expect(await login('alice', 'Passwörd 1')).toEqual(failed);
    expect(await login('bob', 'Pässwörd 1')).toEqual(failed);
    expect(await login('mallory', 'mallory pw')).toEqual(failed);
    expect(await login('alice', 'Pässwörd 1', 'mallory')).toEqual(failed);
  });
});
