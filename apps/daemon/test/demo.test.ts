import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'poplard-demo-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `poplard demo`, waits for its instructions, runs `check` on them, then stops it with SIGINT. */
async function withDemo(check: (instructions: string) => Promise<void>): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, 'demo'], {
    env: { ...process.env, POPLAR_DEMO_DIR: dir, POPLAR_DEMO_PORT: '0', POPLAR_DEMO_TLS_PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let text = '';
    child.stderr.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start: ${text}`)), 20_000);
      child.stderr.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await check(text);
  } finally {
    child.kill('SIGINT');
  }
  return exited;
}

/** The curl command lines the demo printed, as argument lists. */
function curlCommands(instructions: string): string[][] {
  return instructions
    .split('\n')
    .map((line) => line.trim().replace(/\s+#.*$/, ''))
    .filter((line) => line.startsWith('curl '))
    .map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(1));
}

describe('poplard demo', () => {
  it('starts a working server whose printed curl commands work, twice in a row', async () => {
    for (let run = 0; run < 2; run += 1) {
      const code = await withDemo(async (instructions) => {
        const commands = curlCommands(instructions);
        expect(commands.length).toBe(6);
        const [list, fetch, dele, ntlm, stls, pop3s] = commands;
        const out = async (args: string[] | undefined): Promise<string> => {
          const result = await runTool('curl', ['-sS', '--max-time', '10', ...(args ?? [])]);
          expect(result.code, result.stderr).toBe(0);
          return result.stdout.toString('latin1');
        };
        expect(await out(list)).toMatch(/^1 \d+\r\n2 \d+\r\n3 \d+\r\n$/);
        expect(await out(fetch)).toContain('Subject: Welcome to Poplar');
        expect(await out(ntlm)).toMatch(/^1 \d+\r\n2 \d+\r\n3 \d+\r\n$/);
        expect(await out(stls)).toContain('Subject: Welcome to Poplar');
        expect(await out(pop3s)).toContain('Subject: Welcome to Poplar');
        await out(dele);
        expect(await out(list)).toMatch(/^1 \d+\r\n2 \d+\r\n$/);
      });
      expect(code).toBe(0);
    }
  });
});
