import { open } from 'node:fs/promises';

/** fsync() a directory so that a rename, link or unlink in it survives a crash. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
