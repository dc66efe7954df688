const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "500ms", "30s", "2m", "1h" or a plain number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 2m)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}
