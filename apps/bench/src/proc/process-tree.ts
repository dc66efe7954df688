import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** CPU and memory of a process and all its descendants, from /proc. */
export interface TreeSample {
  processes: number;
  /** utime + stime of the live processes, plus cutime + cstime (children they already reaped), in seconds. */
  cpuSeconds: number;
  rssKiB: number;
  /** Proportional set size: shared pages split between the processes that map them. */
  pssKiB: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock tick (USER_HZ) that /proc/<pid>/stat counts CPU time in. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields count from the last ")". */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
  const num = (field: number): number => Number(fields[field - 3]);
  return { pid: Number(text.slice(0, text.indexOf(' '))), ppid: num(4), ticks: num(14) + num(15) + num(16) + num(17) };
}

/** Adds up the "Rss:" and "Pss:" lines of /proc/<pid>/smaps_rollup (kB). */
export function parseSmapsRollup(text: string): { rssKiB: number; pssKiB: number } {
  const value = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKiB: value('Rss'), pssKiB: value('Pss') };
}

async function readOrEmpty(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** Samples `root` and its descendants; a process that exits while being read is skipped. */
export async function sampleTree(root: number): Promise<TreeSample> {
  const entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = (await Promise.all(entries.map((pid) => readOrEmpty(`/proc/${pid}/stat`))))
    .filter((text) => text !== '')
    .map(parseProcStat);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid);
    if (siblings === undefined) children.set(stat.ppid, [stat]);
    else siblings.push(stat);
  }
  const tree = stats.filter((stat) => stat.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  const memory = await Promise.all(
    tree.map(async (stat) => parseSmapsRollup(await readOrEmpty(`/proc/${stat.pid}/smaps_rollup`))),
  );
  return {
    processes: tree.length,
    cpuSeconds: tree.reduce((sum, stat) => sum + stat.ticks, 0) / clockTicks(),
    rssKiB: memory.reduce((sum, m) => sum + m.rssKiB, 0),
    pssKiB: memory.reduce((sum, m) => sum + m.pssKiB, 0),
  };
}
