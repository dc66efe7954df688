import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const BUFFER = 1024 * 1024;

/**
 * Reads every regular file under `dir` once, so that the run that follows finds the corpus in the page cache
 * whichever server it measures: each server reads other files (Dovecot the messages and its index, Poplar the
 * messages or their CRLF forms), and a machine that pages out what was not touched for a while would otherwise
 * hand the first minute of a run to the disk.
 */
export async function warmPageCache(dir: string): Promise<{ files: number; bytes: number }> {
  const buffer = Buffer.allocUnsafe(BUFFER);
  let files = 0;
  let bytes = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const handle = await open(path, 'r').catch(() => undefined);
        if (handle === undefined) continue;
        try {
          for (let read = -1; read !== 0; ) {
            ({ bytesRead: read } = await handle.read(buffer, 0, BUFFER, null));
            bytes += read;
          }
          files++;
        } finally {
          await handle.close();
        }
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}
