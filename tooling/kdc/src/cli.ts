import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stopProcess } from './stop-process.js';
import { startTestKdc } from './test-kdc.js';

export const USAGE = `usage: poplar-test-kdc start <dir> [--realm R] [--clockskew SECONDS]
       poplar-test-kdc env <dir>
       poplar-test-kdc stop <dir>

start  creates a throwaway KDC in <dir>, leaves it running, and prints export lines:
       eval "$(poplar-test-kdc start /tmp/kdc)"
`;

/** The command-line tool: returns what to print; throws on bad usage or failure. */
export async function cli(args: readonly string[]): Promise<string> {
  const [command, dir, ...rest] = args;
  if (!dir || !['start', 'env', 'stop'].includes(command ?? '')) throw new Error(USAGE);
  const root = resolve(dir);
  if (command === 'env') return readFileSync(join(root, 'env.sh'), 'utf8');
  if (command === 'stop') {
    await stopProcess(Number(readFileSync(join(root, 'kdc.pid'), 'utf8')));
    return '';
  }
  const options: { realm?: string; clockskew?: number } = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag === '--realm' && value) options.realm = value;
    else if (flag === '--clockskew' && value && /^\d+$/.test(value)) options.clockskew = Number(value);
    else throw new Error(USAGE);
  }
  await startTestKdc({ dir: root, detached: true, ...options });
  return readFileSync(join(root, 'env.sh'), 'utf8');
}
