// Builds the native addon before the tests when it is missing or older than its sources (a no-op otherwise), so
// `vitest run` works right after a checkout. A failed build is not an error here: the tests report it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/build-native.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
}
