import { execFile } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PAGE = 4096;

/**
 * A small tmpfs mounted for a test, so that "disk full" is the real ENOSPC of a real file system. Space on tmpfs is
 * counted in whole pages and directories take none, so a test can leave exactly the pages it wants free.
 */
export class SmallDisk {
  readonly path: string;
  #fillers = 0;

  private constructor(path: string) {
    this.path = path;
  }

  /** Mounts a tmpfs of `bytes` at `path`; undefined when this process may not mount (not root, no CAP_SYS_ADMIN). */
  static async mount(path: string, bytes: number): Promise<SmallDisk | undefined> {
    await mkdir(path, { recursive: true });
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', path]);
      return new SmallDisk(path);
    } catch {
      return undefined;
    }
  }

  async freeBytes(): Promise<number> {
    const stats = await statfs(this.path);
    return stats.bavail * stats.bsize;
  }

  /** Writes filler files until exactly `leave` bytes (rounded down to pages) are free. */
  async fillLeaving(leave: number): Promise<void> {
    const excess = (await this.freeBytes()) - Math.floor(leave / PAGE) * PAGE;
    if (excess < 0) throw new Error(`only ${await this.freeBytes()} bytes free, wanted ${leave}`);
    if (excess > 0) await writeFile(join(this.path, `.filler-${++this.#fillers}`), Buffer.alloc(excess));
  }

  async removeFillers(): Promise<void> {
    for (let i = 1; i <= this.#fillers; i++) await rm(join(this.path, `.filler-${i}`), { force: true });
    this.#fillers = 0;
  }

  async unmount(): Promise<void> {
    await run('umount', ['-l', this.path]).catch(() => undefined);
  }
}
