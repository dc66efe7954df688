import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from './helpers/poplard.js';

const PASSWORD = 'pw-for-concurrent-retr';
const MESSAGES = 24;
const SESSIONS = 12;
const ROUNDS = 3;

let fixture: Fixture;
let daemon: DaemonProcess;
const bodies: string[][] = [];

/**
 * Message i: its own lines, some starting with a dot, from about 1 KB to about 250 KB (read whole), and the last
 * two of about 700 KB and 1.3 MB (read in several chunks).
 */
function messageLines(i: number): string[] {
  const size =
    i >= MESSAGES - 2 ? 700_000 + (i - MESSAGES + 2) * 600_000 : Math.round(1000 * 250 ** (i / (MESSAGES - 3)));
  const lines = [`Subject: message ${i}`, `X-Index: ${i}`, ''];
  for (let n = 0, total = 0; total < size; n++) {
    const line = `${n % 7 === 0 ? '.' : ''}message ${i} line ${n} ${'x'.repeat((i * 13 + n) % 60)}`;
    lines.push(line);
    total += line.length + 2;
  }
  return lines;
}

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.addUser('alice', PASSWORD);
  // Even messages stored in CRLF form, as Poplar's own delivery stores them; odd ones with LF, as other MDAs do, so
  // their first read converts them into pooled memory, the second keeps their CRLF form, later ones read that form.
  // Every path that reuses its buffers is taken.
  const maildir = join(fixture.mailRoot, 'alice', 'Maildir');
  for (const folder of ['cur', 'new', 'tmp']) await mkdir(join(maildir, folder), { recursive: true, mode: 0o700 });
  for (let i = 0; i < MESSAGES; i++) {
    const lines = messageLines(i);
    bodies.push(lines);
    const crlf = `${lines.join('\r\n')}\r\n`;
    const content = i % 2 === 0 ? crlf : `${lines.join('\n')}\n`;
    const name = `${1_700_000_000 + i}.M${i}P1.test,S=${content.length},W=${crlf.length}:2,S`;
    await writeFile(join(maildir, 'cur', name), content);
  }
  daemon = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1 }, 'concurrent.toml'));
});

afterAll(async () => {
  await daemon?.stop();
  await killAllDaemons();
  await fixture?.cleanup();
});

/**
 * RETRs of `msns` sent at once while the client reads nothing for a while: the kernel's buffers fill and the rest
 * of the answers waits in the server's write queue while other sessions go on reading messages.
 */
async function retrSlowly(client: PopClient, msns: number[]): Promise<Array<{ status: string; lines: string[] }>> {
  client.socket.pause();
  client.socket.write(msns.map((msn) => `RETR ${msn}\r\n`).join(''));
  await new Promise((resolve) => setTimeout(resolve, 300));
  client.socket.resume();
  const answers = [];
  for (const msn of msns) {
    const status = (await client.readLine()) ?? '';
    const lines: string[] = [];
    for (let line = await client.readLine(); line !== '.'; line = await client.readLine()) {
      if (line === null) throw new Error(`connection closed inside RETR ${msn}`);
      lines.push(line.startsWith('.') ? line.slice(1) : line);
    }
    answers.push({ status, lines });
  }
  return answers;
}

async function retrInTurn(client: PopClient, order: number[]): Promise<Array<{ status: string; lines: string[] }>> {
  const answers = [];
  for (const index of order) answers.push(await client.multiline(`RETR ${index + 1}`));
  return answers;
}

it(`${SESSIONS} sessions fetching the same messages at once, some reading slowly, get every byte right`, async () => {
  const fetchAll = async (seed: number): Promise<number> => {
    const client = await PopClient.connect({ port: daemon.port('plain') });
    expect(await client.readLine()).toMatch(/^\+OK/);
    await client.login('alice', PASSWORD);
    let checked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order = Array.from({ length: MESSAGES }, (_, k) => (k * 7 + seed * 5 + round) % MESSAGES);
      // Every other session pipelines the whole round and reads it late.
      const answers =
        seed % 2 === 1
          ? await retrSlowly(
              client,
              order.map((index) => index + 1),
            )
          : await retrInTurn(client, order);
      for (const [k, { status, lines }] of answers.entries()) {
        const index = order[k]!;
        expect(status).toMatch(/^\+OK/);
        // Compared whole: a reused buffer overwritten too early would show as another message's bytes.
        expect(lines.join('\n') === bodies[index]!.join('\n'), `message ${index + 1}, session ${seed}`).toBe(true);
        checked++;
      }
    }
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    client.close();
    return checked;
  };
  const checked = await Promise.all(Array.from({ length: SESSIONS }, (_, seed) => fetchAll(seed)));
  expect(checked.reduce((a, b) => a + b, 0)).toBe(SESSIONS * ROUNDS * MESSAGES);
}, 120_000);
