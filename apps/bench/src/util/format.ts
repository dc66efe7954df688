/** A number with thin grouping for thousands and a fixed count of decimals, as reports print them. */
export function formatNumber(value: number, decimals = 0): string {
  const fixed = value.toFixed(decimals);
  const [whole, fraction] = fixed.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** Two or three significant figures, enough to read a rate or a latency at a glance. */
export function formatShort(value: number): string {
  if (value >= 100) return formatNumber(value, 0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
