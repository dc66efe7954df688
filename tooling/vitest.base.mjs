// Shared vitest settings: tests resolve workspace packages to their TypeScript sources through the
// "@poplar/source" export condition, so no build is needed to test, and each run writes a JSON report that
// tooling/scripts/test-summary.mjs adds up across packages.
import { defineConfig } from 'vitest/config';

export function poplarVitest(overrides = {}) {
  return defineConfig({
    ssr: { resolve: { conditions: ['@poplar/source'] } },
    resolve: { conditions: ['@poplar/source'] },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: '.test-results.json' }]],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      ...overrides,
    },
  });
}
