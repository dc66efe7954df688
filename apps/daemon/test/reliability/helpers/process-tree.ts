import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process and all its descendants (the daemon's worker processes), from /proc. */
export async function processTree(pid: number): Promise<number[]> {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const tasks = await readdir(`/proc/${tree[i]}/task`).catch(() => []);
    for (const task of tasks) {
      const children = await readFile(`/proc/${tree[i]}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ')) if (child.trim() !== '') tree.push(Number(child));
    }
  }
  return tree;
}

/** Resident set size in MiB (VmRSS), 0 for a process that is gone. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

/** The memory of a process tree: the sum of its processes' RSS, in MiB (shared pages count once per process). */
export async function treeMemory(pid: number): Promise<number> {
  let total = 0;
  for (const member of await processTree(pid)) total += await rssOf(member);
  return total;
}

/** SIGKILL to a process and all its descendants at once, as when the machine or the service manager kills it. */
export async function killTree(pid: number): Promise<void> {
  const tree = await processTree(pid);
  for (const member of tree) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const alive = await Promise.all(tree.map(isRunning));
    if (!alive.includes(true) || Date.now() > deadline) return;
    await sleep(20);
  }
}

/** True while a process exists and is not a zombie (a dead worker waits to be reaped by whoever adopted it). */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The state follows the command name, which is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== '' && state !== 'Z' && state !== 'X';
}

/** Samples a process tree's memory every `everyMs` until stopped; `max` is the largest sample. */
export class MemorySampler {
  max = 0;
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, everyMs = 100) {
    this.#pid = pid;
    this.#timer = setInterval(() => {
      treeMemory(pid).then(
        (mib) => {
          this.max = Math.max(this.max, mib);
        },
        () => {},
      );
    }, everyMs);
  }

  async stop(): Promise<number> {
    clearInterval(this.#timer);
    this.max = Math.max(this.max, await treeMemory(this.#pid));
    return this.max;
  }
}
