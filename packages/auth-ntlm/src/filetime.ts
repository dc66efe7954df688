/** Windows FILETIME: 100-ns ticks since 1601-01-01 UTC, as NTLM carries timestamps. */

const EPOCH_OFFSET_MS = 11_644_473_600_000n;

export function toFiletime(ms: number): bigint {
  return (BigInt(Math.floor(ms)) + EPOCH_OFFSET_MS) * 10_000n;
}

export function fromFiletime(filetime: bigint): number {
  return Number(filetime / 10_000n - EPOCH_OFFSET_MS);
}
