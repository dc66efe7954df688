import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProcStat, parseSmapsRollup, sampleTree } from './process-tree.js';

describe('process tree sampling', () => {
  it('parses /proc/<pid>/stat even when the command name holds spaces and parentheses', () => {
    const fields = ['S', '7', ...Array.from({ length: 9 }, () => '0'), '10', '20', '30', '40', '0'];
    expect(parseProcStat(`123 (pop3 (x) y) ${fields.join(' ')}`)).toEqual({ pid: 123, ppid: 7, ticks: 100 });
  });

  it('reads Rss and Pss from smaps_rollup', () => {
    expect(parseSmapsRollup('Rss:     2048 kB\nPss:      1024 kB\nPss_Anon: 5 kB\n')).toEqual({
      rssKiB: 2048,
      pssKiB: 1024,
    });
  });

  it('adds a child process to its parent and reports memory and CPU', async () => {
    const alone = await sampleTree(process.pid);
    const child = spawn('sleep', ['5']);
    await new Promise((resolve) => child.once('spawn', resolve));
    try {
      const withChild = await sampleTree(process.pid);
      expect(withChild.processes).toBeGreaterThanOrEqual(alone.processes + 1);
      expect(withChild.rssKiB).toBeGreaterThan(alone.rssKiB / 2);
      expect(withChild.pssKiB).toBeGreaterThan(0);
      expect(withChild.cpuSeconds).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});
