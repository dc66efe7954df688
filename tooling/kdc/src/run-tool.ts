import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs a program to completion; rejects with its output when it exits non-zero or times out. */
export function runTool(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 15_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const output = stderr.trim() || stdout.trim();
      reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${output}`));
    });
    // A program that exits without reading its input (kadmin.local, a failing kinit) closes the pipe early.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
