import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResult } from './bench-result.js';
import { renderMarkdown, resultChart } from './markdown-report.js';

/** Writes result.json, report.md and chart.svg into `dir`; returns their paths. */
export async function writeReport(dir: string, result: BenchResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    'result.json': `${JSON.stringify(result, null, 2)}\n`,
    'chart.svg': resultChart(result),
    'report.md': renderMarkdown(result, 'chart.svg'),
  };
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  return Object.keys(files).map((name) => join(dir, name));
}
