export interface ChartLine {
  label: string;
  color: string;
  values: number[];
  /** Drawn dashed, so a line it covers stays visible. */
  dashed?: boolean;
}

export interface ChartPanel {
  title: string;
  unit: string;
  lines: ChartLine[];
}

const WIDTH = 760;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 30 };

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Round tick steps (1, 2 or 5 times a power of ten) from 0 to at least `max`, at most six ticks. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks = [0];
  while (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

function label(value: number): string {
  return Math.abs(value) >= 1000 ? value.toExponential(1).replace('e+', 'e') : String(value);
}

function panel(chart: ChartPanel, times: number[], top: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const yTicks = niceTicks(Math.max(0, ...chart.lines.flatMap((line) => line.values)));
  const xTicks = niceTicks(Math.max(0, ...times));
  const yMax = yTicks[yTicks.length - 1]!;
  const xMax = xTicks[xTicks.length - 1]!;
  const x = (t: number): number => MARGIN.left + (t / xMax) * plotWidth;
  const y = (v: number): number => top + MARGIN.top + plotHeight - (v / yMax) * plotHeight;
  const out: string[] = [
    `<text x="${MARGIN.left}" y="${top + 20}" font-size="14" font-weight="bold">${escapeXml(chart.title)} (${escapeXml(chart.unit)})</text>`,
  ];
  for (const tick of yTicks) {
    out.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y(tick) + 4).toFixed(1)}" font-size="11" text-anchor="end">${label(tick)}</text>`,
    );
  }
  for (const tick of xTicks) {
    out.push(
      `<text x="${x(tick).toFixed(1)}" y="${top + PANEL_HEIGHT - 12}" font-size="11" text-anchor="middle">${label(tick)} s</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
  );
  chart.lines.forEach((line, i) => {
    const points = line.values.map((v, j) => `${x(times[j] ?? 0).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(
      `<polyline fill="none" stroke="${line.color}" stroke-width="1.5"${line.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points}"/>`,
    );
    const legendX = WIDTH - MARGIN.right - 120 * (chart.lines.length - i);
    out.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${top + 16}" y2="${top + 16}" stroke="${line.color}" stroke-width="3"/>`,
      `<text x="${legendX + 22}" y="${top + 20}" font-size="12">${escapeXml(line.label)}</text>`,
    );
  });
  return out.join('\n');
}

/** A stand-alone SVG with one panel per chart, stacked, sharing the time axis `times` (seconds). */
export function renderChart(times: number[], panels: ChartPanel[]): string {
  const height = PANEL_HEIGHT * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    ...panels.map((chart, i) => panel(chart, times, i * PANEL_HEIGHT)),
    '</svg>',
    '',
  ].join('\n');
}
