import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { warmPageCache } from './warm-page-cache.js';

it('reads every regular file below the folder once, and follows no symlink', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'poplar-warm-'));
  try {
    await mkdir(join(dir, 'user1', 'Maildir', 'cur'), { recursive: true });
    await writeFile(join(dir, 'passwd'), 'user1:x\n');
    await writeFile(join(dir, 'user1', 'Maildir', 'cur', 'a'), Buffer.alloc(3 * 1024 * 1024 + 5));
    await symlink('/etc/passwd', join(dir, 'user1', 'link'));
    expect(await warmPageCache(dir)).toEqual({ files: 2, bytes: 8 + 3 * 1024 * 1024 + 5 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
