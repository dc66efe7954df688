/**
 * Decoy hashes for names that are not in the users file. A login as an unknown user must cost what one as a known
 * user costs, or its time tells which users exist. A users file may mix schemes and costs (scrypt users beside hashes
 * imported from Dovecot), so an unknown name is given the cost of a real user: the users are grouped by what verifying
 * their hash costs, and a keyed hash of the name picks a group with the probability of that group's share of users.
 * A name keeps its decoy from one login to the next (as long as the shares stay), so repeating a login tells nothing
 * either, and the costs of unknown names are spread as those of the users are.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { decoyLike, decoyPasswordHash, type HashSettings, hashCost, type PasswordHash } from './password-hash.js';

interface Group {
  readonly decoy: PasswordHash;
  /** Users in this group and the ones before it. */
  readonly upTo: number;
}

export class DecoyHashes {
  /** Secret, so that no one can tell which names share a decoy. Kept across update() so names keep their decoys. */
  readonly #key = randomBytes(32);
  readonly #fallback: PasswordHash;
  #groups: readonly Group[] = [];

  /** `fallback`: the settings to imitate while the file has no users. */
  constructor(fallback: HashSettings) {
    this.#fallback = decoyPasswordHash(fallback);
  }

  /** Regroups after the users changed. */
  update(hashes: Iterable<PasswordHash>): void {
    const counts = new Map<string, { like: PasswordHash; count: number }>();
    for (const hash of hashes) {
      const key = hashCost(hash);
      const group = counts.get(key);
      if (group) group.count++;
      else counts.set(key, { like: hash, count: 1 });
    }
    const groups: Group[] = [];
    let upTo = 0;
    for (const { like, count } of counts.values()) {
      upTo += count;
      groups.push({ decoy: decoyLike(like), upTo });
    }
    this.#groups = groups;
  }

  /** The decoy for `name`, compared as given (pass the lookup key). */
  for(name: string): PasswordHash {
    const total = this.#groups.at(-1)?.upTo ?? 0;
    if (total === 0) return this.#fallback;
    // A point in [0, total) from 48 bits of the name's HMAC; the group it falls in.
    const point = (createHmac('sha256', this.#key).update(name).digest().readUIntBE(0, 6) / 2 ** 48) * total;
    return this.#groups.find((group) => point < group.upTo)!.decoy;
  }
}
