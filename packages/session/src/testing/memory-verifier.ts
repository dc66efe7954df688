import type { PasswordVerifier, VerifyResult } from '../contracts.js';

export interface MemoryVerifier extends PasswordVerifier {
  /** User names verify() was asked about, in order (passwords are never kept). */
  readonly calls: readonly string[];
  /** While true, every verification answers 'temporary' (the user database is down). */
  unavailable: boolean;
}

/** A PasswordVerifier over a fixed table of user -> password, for tests. */
export function createMemoryVerifier(passwords: Readonly<Record<string, string>>): MemoryVerifier {
  const calls: string[] = [];
  return {
    calls,
    unavailable: false,
    async verify(user, password): Promise<VerifyResult> {
      calls.push(user);
      if (this.unavailable) return { ok: false, reason: 'temporary' };
      const known = Object.hasOwn(passwords, user) ? passwords[user] : undefined;
      if (known === undefined || known !== password) return { ok: false, reason: 'credentials' };
      return { ok: true, identity: { user, mechanism: 'USER' } };
    },
  };
}
