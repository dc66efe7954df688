import { spawn } from 'node:child_process';
import { BenchError } from '../protocol/bench-error.js';
import type { Deliverer } from './deliverer.js';

/** Quotes a word for /bin/sh. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Delivers by running a command with the message on its standard input; "%u" in the template becomes the user
 * name (shell-quoted), as in `poplard deliver %u`. A non-zero exit is a delivery error.
 */
export class CommandDeliverer implements Deliverer {
  constructor(private readonly template: string) {}

  deliver(user: string, message: Buffer): Promise<void> {
    const command = this.template.replaceAll('%u', shellQuote(user));
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        if (stderr.length < 500) stderr += text;
      });
      child.stdin.on('error', () => {});
      child.on('error', (error) => reject(new BenchError('delivery', `${command}: ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new BenchError('delivery', `${command} exited with ${code}: ${stderr.trim()}`));
      });
      child.stdin.end(message);
    });
  }
}
