import { saslprep } from '@mongodb-js/saslprep';

/**
 * SASLprep (RFC 4013), so that USER/PASS, SASL PLAIN and the stored hash agree on one form of a password (e.g.
 * NFKC-composed, non-ASCII spaces as U+0020, soft hyphens dropped). Code points unassigned in Unicode 3.2 are
 * allowed: refusing them would refuse most of today's emoji. Null when the input holds prohibited characters, breaks
 * the bidi rule, or prepares to the empty string.
 */
export function saslPrep(input: string): string | null {
  try {
    const prepared = saslprep(input, { allowUnassigned: true });
    return prepared.length > 0 ? prepared : null;
  } catch {
    return null;
  }
}
