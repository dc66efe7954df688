import type { PasswordVerifier, VerifyResult } from '@poplar/session';
import type { UserDatabase } from './user-database.js';

/**
 * The PasswordVerifier behind USER/PASS and SASL PLAIN. Unknown user, wrong password and disabled account all answer
 * 'credentials' after the same work; a failing KDF (e.g. out of memory) answers 'temporary'.
 */
export function createPasswordVerifier(db: Pick<UserDatabase, 'checkPassword'>): PasswordVerifier {
  return {
    async verify(user, password): Promise<VerifyResult> {
      let canonical: string | null;
      try {
        canonical = await db.checkPassword(user, password);
      } catch {
        return { ok: false, reason: 'temporary' };
      }
      return canonical === null
        ? { ok: false, reason: 'credentials' }
        : { ok: true, identity: { user: canonical, mechanism: 'USER' } };
    },
  };
}
