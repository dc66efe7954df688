import { configDefaults } from 'vitest/config';
import { poplarVitest } from '../../tooling/vitest.base.mjs';

const RELIABILITY = 'test/reliability/**';
// Each project is complete in itself: a project that extends the root would add the root's include to its own.
const conditions = ['@poplar/source'];
const project = (test: Record<string, unknown>) => ({
  ssr: { resolve: { conditions } },
  resolve: { conditions },
  test: { globalSetup: ['test/global-setup.ts'], hookTimeout: 30_000, ...test },
});

export default poplarVitest({
  projects: [
    project({
      name: 'e2e',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: [...configDefaults.exclude, RELIABILITY],
      testTimeout: 60_000,
    }),
    // Crash, load and timing tests: alone on the machine after the others, one file at a time, so their bounds
    // measure the daemon and not a neighbouring test.
    project({
      name: 'reliability',
      include: [`${RELIABILITY}/*.test.ts`],
      fileParallelism: false,
      sequence: { groupOrder: 1 },
      // POPLAR_LONG=1 runs hundreds of trials per test.
      testTimeout: process.env.POPLAR_LONG === '1' ? 3_600_000 : 180_000,
      hookTimeout: 60_000,
    }),
  ],
});
