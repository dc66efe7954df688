import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The end-to-end tests run the real `poplard` from dist, so the daemon and the packages it loads are built first
 * (turbo skips what is up to date). POPLAR_SKIP_BUILD=1 skips this step.
 */
export default function setup(): void {
  // For a quick rerun when dist is known to be fresh; under turbo the test task already depends on the build.
  if (process.env.POPLAR_SKIP_BUILD === '1' || process.env.TURBO_HASH !== undefined) return;
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  // Through pnpm, which turbo needs on PATH.
  execFileSync(
    'npx',
    ['-y', 'pnpm@12.4.2', 'exec', 'turbo', 'run', 'build', '--filter=@poplar/daemon', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    },
  );
}
