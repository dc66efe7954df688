import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { collectStderr, stopChild } from '../util/child-process.js';
import { freePort } from '../util/free-port.js';
import { waitForGreeting } from '../util/wait-for-greeting.js';

export interface ServerInstance {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts Poplar (or any server) from a command template: "%p" becomes a free port and "%d" the corpus folder.
 * The shell `exec`s the command, so the pid we hold is the server's own and its process tree is the server.
 */
export async function startFromCommand(template: string, corpus: string): Promise<ServerInstance> {
  const port = await freePort();
  const command = template.replaceAll('%p', String(port)).replaceAll('%d', resolve(corpus));
  const child: ChildProcess = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collectStderr(child);
  try {
    await waitForGreeting('127.0.0.1', port, 30_000, () => child.exitCode === null);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${command} did not start: ${(error as Error).message}\n${stderr()}`);
  }
  return { pid: child.pid!, port, stop: () => stopChild(child) };
}
