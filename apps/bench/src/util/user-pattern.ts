/** Fills a user or password pattern: every "%d" becomes the user's number (1-based). */
export function fillPattern(pattern: string, n: number): string {
  return pattern.replaceAll('%d', String(n));
}

/** The user numbers of a run: 1..count, or first..first+count-1. */
export function userNumbers(count: number, first = 1): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
