import { appendFileSync } from 'node:fs';

/**
 * Prints the figures a test measured (crash trials, messages checked, memory...) as one line, and appends them as
 * a JSON line to $POPLAR_FIGURES when set, so a run's figures can be collected for docs/RELIABILITY.md.
 */
export function reportFigures(test: string, figures: Readonly<Record<string, unknown>>): void {
  const line = JSON.stringify({ test, ...figures });
  console.log(`figures: ${line}`);
  const file = process.env.POPLAR_FIGURES;
  if (file) appendFileSync(file, `${line}\n`);
}
