import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool, type ToolResult } from './run-tool.js';

export interface FetchmailRun {
  /** Folder for the rc file, the ids file, the pid file and the delivered mail. */
  readonly dir: string;
  /** Prefix of those files, unique per run. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Absent for GSSAPI. */
  readonly password?: string;
  /** Words after `port N` on the poll line, e.g. `uidl` or `auth ntlm`. */
  readonly poll?: string;
  /** The `options` line, e.g. `keep fetchall no sslcertck sslproto ''`. */
  readonly options: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs fetchmail once with a private 0600 rc file; the mail it delivers is appended to one file and returned. */
export async function runFetchmail(run: FetchmailRun): Promise<{ result: ToolResult; mail: string }> {
  const out = join(run.dir, `${run.name}.fetchmail.out`);
  const rc = join(run.dir, `${run.name}.fetchmailrc`);
  const password = run.password === undefined ? '' : ` with password "${run.password}"`;
  await writeFile(
    rc,
    [
      'set no syslog',
      `poll ${run.host} with proto POP3 port ${run.port}${run.poll ? ` ${run.poll}` : ''}`,
      `  user "${run.user}" there${password} is "${run.user}" here`,
      `  options ${run.options}`,
      `  mda "/bin/sh -c 'cat >> ${out}'"`,
      '',
    ].join('\n'),
  );
  await chmod(rc, 0o600);
  const result = await runTool(
    'fetchmail',
    ['-f', rc, '-i', join(run.dir, `${run.name}.fetchids`), '--pidfile', join(run.dir, `${run.name}.pid`)],
    { env: { ...process.env, HOME: run.dir, ...run.env }, timeoutMs: 30_000 },
  );
  return { result, mail: await readFile(out, 'utf8').catch(() => '') };
}
