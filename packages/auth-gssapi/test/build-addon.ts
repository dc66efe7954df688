// Builds @poplar/gssapi's native addon before the tests when it is missing or stale (a no-op otherwise), so
// `vitest run` works right after a checkout. A failed build is not an error here: the tests report it.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export default function setup(): void {
  const gssapiDir = dirname(createRequire(import.meta.url).resolve('@poplar/gssapi/package.json'));
  execFileSync(process.execPath, [join(gssapiDir, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
}
