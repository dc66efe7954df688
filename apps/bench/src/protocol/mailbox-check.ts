import { BenchError } from './bench-error.js';
import type { Listing } from './listing-reader.js';

export interface StatReply {
  count: number;
  size: number;
}

/**
 * Checks that STAT, LIST and UIDL describe the same maildrop: as many entries as STAT counts, numbered 1..n in
 * order, sizes that add up to STAT's size, and unique-ids that are unique. Returns the sizes, index = msn - 1.
 */
export function checkMailbox(stat: StatReply, list: Listing, uidl?: Listing): number[] {
  const sizes = list.entries.map((entry, index) => {
    if (entry.msn !== index + 1) throw new BenchError('bad-listing', `LIST line ${index + 1} has msn ${entry.msn}`);
    if (!/^\d+$/.test(entry.value)) throw new BenchError('bad-listing', `LIST size ${entry.value} is not a number`);
    return Number(entry.value);
  });
  if (sizes.length !== stat.count) {
    throw new BenchError('count-mismatch', `LIST has ${sizes.length} messages, STAT said ${stat.count}`);
  }
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total !== stat.size)
    throw new BenchError('count-mismatch', `LIST sizes add up to ${total}, STAT said ${stat.size}`);
  if (uidl !== undefined) {
    if (uidl.entries.length !== stat.count) {
      throw new BenchError('count-mismatch', `UIDL has ${uidl.entries.length} messages, STAT said ${stat.count}`);
    }
    const seen = new Set<string>();
    uidl.entries.forEach((entry, index) => {
      if (entry.msn !== index + 1) throw new BenchError('bad-listing', `UIDL line ${index + 1} has msn ${entry.msn}`);
      if (entry.value.length > 70) throw new BenchError('bad-listing', `unique-id longer than 70: ${entry.value}`);
      if (seen.has(entry.value)) throw new BenchError('bad-listing', `unique-id ${entry.value} appears twice`);
      seen.add(entry.value);
    });
  }
  return sizes;
}
