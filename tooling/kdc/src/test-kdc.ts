import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { kdcConf, krb5Conf } from './kdc-config.js';
import { findKerberosTools, type KerberosTools } from './kerberos-tools.js';
import { runTool } from './run-tool.js';
import { stopProcess } from './stop-process.js';

export const TEST_USER = 'alice';
export const TEST_PASSWORD = 'alicepw';

export interface TestKdcOptions {
  /** Directory for every file of this KDC (configs, database, keytab, ccache, replay cache). Created if missing. */
  readonly dir: string;
  /** Default 'EXAMPLE.TEST'. */
  readonly realm?: string;
  /** Allowed clock difference in seconds, written to krb5.conf (MIT's default is 300). */
  readonly clockskew?: number;
  /** auth_to_local rules for the realm in krb5.conf, in order (gss_localname applies them). */
  readonly authToLocal?: readonly string[];
  /** Service principals created with random keys and exported to `keytab`. Default ['pop/localhost']. */
  readonly services?: readonly string[];
  /** Leave the KDC running when this process exits (the command-line tool uses this). */
  readonly detached?: boolean;
}

/** The environment that points Kerberos programs (and this process's GSS-API library) at the test realm. */
export interface TestKdcEnv {
  readonly KRB5_CONFIG: string;
  readonly KRB5_KDC_PROFILE: string;
  readonly KRB5CCNAME: string;
  readonly KRB5RCACHEDIR: string;
  readonly [name: string]: string;
}

export interface KinitOptions {
  readonly principal?: string;
  readonly password?: string;
  /** A ccache name (FILE:/path); default the KDC's own ccache. */
  readonly ccache?: string;
  /** kinit -l, e.g. '5s'. */
  readonly lifetime?: string;
}

export interface TestKdc {
  readonly dir: string;
  readonly realm: string;
  readonly port: number;
  readonly pid: number;
  /** Keytab holding the keys of `services`. */
  readonly keytab: string;
  /** FILE: ccache holding alice's ticket-granting ticket. */
  readonly ccache: string;
  readonly env: TestKdcEnv;
  /** Runs one kadmin.local query against the test realm and returns its output. */
  kadmin(query: string): Promise<string>;
  /** Gets a ticket-granting ticket (by default alice's into `ccache`). */
  kinit(options?: KinitOptions): Promise<void>;
  /** Stops the KDC by its pid. Idempotent. */
  stop(): Promise<void>;
}

const MASTER_PASSWORD = 'masterpw';
const START_ATTEMPTS = 3;

/**
 * Starts a throwaway MIT KDC on 127.0.0.1 (a free port) with its configuration and database under `dir`: nothing
 * outside `dir` is written. Creates alice (password alicepw) and the service principals with a keytab, and gets
 * alice a ticket into a private ccache.
 */
export async function startTestKdc(options: TestKdcOptions): Promise<TestKdc> {
  const found = findKerberosTools();
  if (!found.ok) throw new Error(`cannot start a test KDC: ${found.reason}`);
  const tools = found.tools;
  const dir = resolve(options.dir);
  const realm = options.realm ?? 'EXAMPLE.TEST';
  const services = options.services ?? ['pop/localhost'];
  const keytab = join(dir, 'pop.keytab');
  mkdirSync(join(dir, 'rcache'), { recursive: true });
  const env: TestKdcEnv = {
    KRB5_CONFIG: join(dir, 'krb5.conf'),
    KRB5_KDC_PROFILE: join(dir, 'kdc.conf'),
    KRB5CCNAME: `FILE:${join(dir, 'ccache')}`,
    KRB5RCACHEDIR: join(dir, 'rcache'),
  };
  const toolEnv = { ...process.env, ...env };
  const kadmin = async (query: string) => {
    const { stdout, stderr } = await runTool(tools.kadminLocal, ['-r', realm, '-q', query], { env: toolEnv });
    // kadmin.local exits 0 even when the query fails; its errors are the stderr lines that are not notices.
    const errors = stderr
      .split('\n')
      .filter((line) => line.trim() && !/^(No policy specified|WARNING: no policy)/.test(line));
    if (errors.length > 0) throw new Error(`kadmin.local "${query}": ${errors.join('; ')}`);
    return stdout;
  };

  let port = await freePort();
  writeConfigs(dir, realm, port, options);
  writeFileSync(join(dir, 'kadm5.acl'), '');
  await runTool(tools.kdb5Util, ['create', '-s', '-r', realm, '-P', MASTER_PASSWORD], { env: toolEnv });
  await kadmin(`addprinc -pw ${TEST_PASSWORD} ${TEST_USER}`);
  for (const service of services) {
    await kadmin(`addprinc -randkey ${service}`);
    await kadmin(`ktadd -k ${keytab} ${service}`);
  }

  let child: ChildProcess | undefined;
  for (let attempt = 1; !child; attempt += 1) {
    const started = spawnKdc(tools, realm, toolEnv, options.detached ?? false);
    if (await listening(port, started)) {
      child = started;
    } else if (attempt >= START_ATTEMPTS) {
      throw new Error(`krb5kdc did not start on 127.0.0.1:${port}: ${tail(join(dir, 'kdc.log'))}`);
    } else {
      // Someone took the port between the probe and the KDC's bind: try another one.
      await stopProcess(started.pid ?? -1);
      port = await freePort();
      writeConfigs(dir, realm, port, options);
    }
  }
  const pid = child.pid as number;
  const stopOnExit = () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  };
  if (!options.detached) process.once('exit', stopOnExit);
  writeFileSync(join(dir, 'kdc.pid'), `${pid}\n`);
  writeFileSync(
    join(dir, 'env.sh'),
    shellExports({ ...env, KDC_PID: String(pid), KDC_PORT: String(port), KRB5_KEYTAB: keytab }),
  );

  const kinit = async ({ principal = TEST_USER, password = TEST_PASSWORD, ccache, lifetime }: KinitOptions = {}) => {
    const args = ['-c', ccache ?? env.KRB5CCNAME, ...(lifetime ? ['-l', lifetime] : []), principal];
    await runTool(tools.kinit, args, { env: toolEnv, input: `${password}\n` });
  };
  try {
    await kinit();
  } catch (error) {
    process.removeListener('exit', stopOnExit);
    await stopProcess(pid);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    dir,
    realm,
    port,
    pid,
    keytab,
    ccache: env.KRB5CCNAME,
    env,
    kadmin,
    kinit,
    stop: () => {
      process.removeListener('exit', stopOnExit);
      stopped ??= stopProcess(pid);
      return stopped;
    },
  };
}

function writeConfigs(dir: string, realm: string, port: number, options: TestKdcOptions): void {
  writeFileSync(
    join(dir, 'krb5.conf'),
    krb5Conf({ dir, realm, port, clockskew: options.clockskew, authToLocal: options.authToLocal }),
  );
  writeFileSync(join(dir, 'kdc.conf'), kdcConf({ dir, realm, port }));
}

function spawnKdc(tools: KerberosTools, realm: string, env: NodeJS.ProcessEnv, detached: boolean): ChildProcess {
  // -n: stay in the foreground, so the pid we get is the KDC's own.
  const child = spawn(tools.krb5kdc, ['-n', '-r', realm], { env, stdio: 'ignore', detached });
  child.on('error', () => {});
  if (detached) child.unref();
  return child;
}

/** Polls until the KDC accepts TCP connections (true), exits (false), or 5 s pass (false). */
async function listening(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await canConnect(port)) return true;
    await sleep(25);
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      done(true);
    });
    socket.on('error', () => done(false));
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return 'no log';
  }
}

export function shellExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'\n`)
    .join('');
}
