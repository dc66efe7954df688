// Builds the native load core (native/pop3-load.c) into dist/native. Without a C compiler or OpenSSL's headers it
// says so and succeeds: poplar-bench then runs its Node client, and `--client native` explains what is missing.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const compiler = process.env.CC ?? 'cc';
mkdirSync('dist/native', { recursive: true });
const build = spawnSync(
  compiler,
  ['-O2', '-Wall', '-Wextra', '-o', 'dist/native/pop3-load', 'native/pop3-load.c', '-lcrypto'],
  { stdio: 'inherit' },
);
if (build.error !== undefined || build.status !== 0) {
  const why = build.error?.message ?? `${compiler} exited with ${build.status}`;
  console.warn(`poplar-bench: native load client not built (${why}); it needs a C compiler and OpenSSL's headers`);
  console.warn('  (Debian: apt-get install gcc libssl-dev). The Node client works without it.');
}
