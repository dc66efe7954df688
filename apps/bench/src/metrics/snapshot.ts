/** Counters of one interval (or a whole run). */
export interface Counts {
  /** Sessions that ended with QUIT +OK (login, retr-all, exchange-profile) or logged in (idle). */
  sessions: number;
  /** Messages received and validated. */
  messages: number;
  /** Of those, messages whose body checksum was verified. */
  checksummed: number;
  /** Messages removed by DELE and QUIT. */
  deleted: number;
  /** Messages delivered during the run. */
  deliveries: number;
  /** Message octets after un-stuffing (the LIST sizes of the messages received). */
  payloadBytes: number;
  /** Every byte received, status lines, listings, stuffing and terminators included. */
  wireBytes: number;
}

/** What a shard reports every interval: only events inside the measured window count, except `warmup`. */
export interface Snapshot {
  counts: Counts;
  /** Messages and sessions finished during the warm-up, for the progress line only. */
  warmup: { messages: number; sessions: number };
  errors: Record<string, number>;
  errorSamples: string[];
  /** Per command, latencies of this interval as encoded HDR histograms. */
  histograms: Record<string, string>;
}

export function emptyCounts(): Counts {
  return { sessions: 0, messages: 0, checksummed: 0, deleted: 0, deliveries: 0, payloadBytes: 0, wireBytes: 0 };
}

export function addCounts(into: Counts, from: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) into[key] += from[key];
}
