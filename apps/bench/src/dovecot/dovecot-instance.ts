import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { collectStderr, stopChild } from '../util/child-process.js';
import { freePort } from '../util/free-port.js';
import { waitForGreeting } from '../util/wait-for-greeting.js';
import { type DovecotMode, dovecotConfig } from './dovecot-config.js';

export { DOVECOT_MODES, type DovecotMode } from './dovecot-config.js';

export interface DovecotOptions {
  corpus: string;
  mode: DovecotMode;
  clientLimit?: number;
  port?: number;
}

export interface DovecotInstance {
  /** Pid of the master process; its process tree is the whole server. */
  pid: number;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

const LOGIN_USER = 'dovenull';
const INTERNAL_USER = 'dovecot';
const MAIL_USER = 'vmail';

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Installs Dovecot from Debian when its binary is missing (needs root and apt). */
export function ensureDovecotInstalled(log: (line: string) => void): void {
  if (commandExists('dovecot')) return;
  log('dovecot is not installed: apt-get install -y dovecot-core dovecot-pop3d');
  execFileSync('apt-get', ['install', '-y', 'dovecot-core', 'dovecot-pop3d'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Dovecot's login, internal and mail processes run as these users; create them when the system has none. */
function ensureSystemUser(name: string): void {
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
      stdio: 'ignore',
    });
  }
}

/**
 * Starts a private Dovecot (never the system's service): its own config, base_dir and log in a temporary folder,
 * POP3 on 127.0.0.1 and a free port, run in the foreground so that we hold its pid and stop it by that pid.
 */
export async function startDovecot(options: DovecotOptions): Promise<DovecotInstance> {
  if (!commandExists('dovecot'))
    throw new Error('dovecot is not installed (apt-get install -y dovecot-core dovecot-pop3d)');
  for (const user of [LOGIN_USER, INTERNAL_USER, MAIL_USER]) ensureSystemUser(user);
  // Dovecot refuses to read mail as root, and it writes beside the mail (index, uidlist, new/ -> cur/).
  execFileSync('chown', ['-R', `${MAIL_USER}:${MAIL_USER}`, resolve(options.corpus)]);
  const dir = await mkdtemp(join(tmpdir(), 'poplar-bench-dovecot-'));
  // The login processes run as dovenull and must reach the sockets under base_dir.
  await chmod(dir, 0o755);
  const port = options.port ?? (await freePort());
  const configFile = join(dir, 'dovecot.conf');
  await writeFile(
    configFile,
    dovecotConfig({
      dir,
      corpus: resolve(options.corpus),
      port,
      mode: options.mode,
      clientLimit: options.clientLimit ?? 8,
      loginProcesses: availableParallelism(),
      loginUser: LOGIN_USER,
      internalUser: INTERNAL_USER,
      mailUser: MAIL_USER,
    }),
  );
  const child: ChildProcess = spawn('dovecot', ['-F', '-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collectStderr(child);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForGreeting('127.0.0.1', port, 15_000, () => child.exitCode === null);
  } catch (error) {
    const log = await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(
      `dovecot did not start: ${(error as Error).message}\n${stderr()}${log.split('\n').slice(-20).join('\n')}`,
    );
  }
  return { pid: child.pid!, port, dir, stop };
}
