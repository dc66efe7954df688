import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchError } from '../protocol/bench-error.js';
import { Backlog } from './backlog.js';
import { CommandDeliverer } from './command-deliverer.js';
import { MaildirDeliverer } from './maildir-deliverer.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-deliver-'));
  dirs.push(dir);
  return dir;
}

describe('deliverers', () => {
  it('MaildirDeliverer writes through tmp/ into new/ with size hints', async () => {
    const root = await tempDir();
    for (const folder of ['tmp', 'new']) await mkdir(join(root, 'al ice', 'Maildir', folder), { recursive: true });
    await new MaildirDeliverer(root, 'w0').deliver('al ice', Buffer.from('Subject: x\n\nhi\n'));
    const [name] = await readdir(join(root, 'al ice', 'Maildir', 'new'));
    expect(name).toMatch(/,S=15,W=18$/);
    expect(await readdir(join(root, 'al ice', 'Maildir', 'tmp'))).toEqual([]);
  });

  it('CommandDeliverer pipes the message to the command with %u quoted, and fails on a non-zero exit', async () => {
    const root = await tempDir();
    await new CommandDeliverer(`cat > ${root}/%u.eml`).deliver("o'brien x", Buffer.from('body\n'));
    expect(await readFile(join(root, "o'brien x.eml"), 'utf8')).toBe('body\n');
    const failing = new CommandDeliverer('echo nope >&2; exit 3').deliver('u', Buffer.from('x'));
    await expect(failing).rejects.toThrow(BenchError);
    await expect(failing).rejects.toThrow('exited with 3: nope');
  });
});

describe('Backlog', () => {
  it('releases one waiter per delivery owed and drops the rest on close', async () => {
    const backlog = new Backlog();
    const waiting = [backlog.take(), backlog.take()];
    backlog.add(3);
    expect(await Promise.all(waiting)).toEqual([true, true]);
    expect(await backlog.take()).toBe(true);
    backlog.add(2);
    expect(backlog.close()).toBe(2);
    expect(await backlog.take()).toBe(false);
  });
});
