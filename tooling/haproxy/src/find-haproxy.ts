import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The haproxy executable: on PATH, or in the sbin directories Debian installs it to (often not on a user's PATH). */
export function findHaproxy(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'haproxy');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  throw new Error(
    'haproxy is not installed (Debian: apt-get install -y haproxy, or run tooling/haproxy/install-haproxy.sh)',
  );
}
