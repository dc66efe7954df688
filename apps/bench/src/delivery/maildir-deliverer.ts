import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { maildirOf } from '../corpus/corpus-writer.js';
import { exactSize } from '../corpus/wire-form.js';
import type { Deliverer } from './deliverer.js';

/** Delivers the way an MDA does: write the file under tmp/, then rename it into new/ in one step. */
export class MaildirDeliverer implements Deliverer {
  #count = 0;

  /**
   * @param root the corpus folder (mail of `user` is in root/<user>/Maildir)
   * @param tag makes names unique between threads of one process
   */
  constructor(
    private readonly root: string,
    private readonly tag: string,
  ) {}

  async deliver(user: string, message: Buffer): Promise<void> {
    const maildir = maildirOf(this.root, user);
    const unique = `${Math.floor(Date.now() / 1000)}.M${++this.#count}P${process.pid}T${this.tag}.poplar-bench`;
    const name = `${unique},S=${message.length},W=${exactSize(message)}`;
    const temporary = join(maildir, 'tmp', name);
    await writeFile(temporary, message);
    await rename(temporary, join(maildir, 'new', name));
  }
}
