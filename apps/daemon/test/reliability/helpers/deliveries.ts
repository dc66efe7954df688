import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from '../../helpers/poplard.js';
import { between } from './ledger.js';

export type DeliveryOutcome = 'delivered' | 'killed' | { readonly failed: string };

/** `poplard deliver` as an MTA runs it, SIGKILLed after `killAfterMs` when that is given. */
export async function cliDelivery(
  configFile: string,
  user: string,
  message: Buffer,
  killAfterMs?: number,
): Promise<DeliveryOutcome> {
  const child = spawn(process.execPath, [CLI, 'deliver', user, '--config', configFile], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.on('error', () => {});
  child.stdin.end(message);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code === 0) return 'delivered';
  if (signal === 'SIGKILL') return 'killed';
  return { failed: `poplard deliver ended with ${code ?? signal}: ${stderr.trim()}` };
}

let serial = 0;

/** A delivery by another MDA, the Maildir way (tmp/, fsync, rename into new/): the file has no UID yet. */
export async function foreignDelivery(maildir: string, message: Buffer): Promise<void> {
  const name = `${Math.floor(Date.now() / 1000)}.M${between(0, 999_999)}P${process.pid}Q${++serial}.other-mda`;
  const tmp = join(maildir, 'tmp', name);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(message);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(maildir, 'new', name));
}
