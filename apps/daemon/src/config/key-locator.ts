/**
 * Finds the line where a TOML key is written. smol-toml reports positions only for syntax errors, so settings that
 * parse but are wrong or unknown are located here with a line scan. It understands table headers ([a], [[a]]),
 * bare and quoted keys and dotted keys; it does not need to understand values.
 */
const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const ASSIGNMENT = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

function splitDotted(path: string): string[] {
  const parts: string[] = [];
  for (const match of path.matchAll(/\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*(?:\.|$)/g)) {
    const part = match[1] ?? '';
    parts.push(part.startsWith('"') || part.startsWith("'") ? part.slice(1, -1) : part);
  }
  return parts;
}

const samePath = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((part, i) => part === b[i]);

/** The 1-based line of `path` (table names then key), or undefined when it cannot be found. */
export function findKeyLine(text: string, path: readonly string[]): number | undefined {
  const lines = text.split(/\r?\n/);
  let table: string[] = [];
  let tableLine: number | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const header = HEADER.exec(line);
    if (header) {
      table = splitDotted(header[1] ?? '');
      if (samePath(table, path)) tableLine = i + 1;
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) continue;
    const full = [...table, ...splitDotted(assignment[1] ?? '')];
    if (samePath(full, path)) return i + 1;
    // A key inside an inline table or array value: report the line that starts it.
    if (full.length < path.length && samePath(full, path.slice(0, full.length))) return i + 1;
  }
  return tableLine;
}
