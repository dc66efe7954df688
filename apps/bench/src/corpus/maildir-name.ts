export type MaildirFolder = 'cur' | 'new';

export interface MaildirPlacement {
  folder: MaildirFolder;
  name: string;
}

/**
 * Where message `index` of a mailbox goes and what it is called. Most names carry ",S=<stored>,W=<exact>" (the size
 * hints Maildir servers read instead of the file); every fourth has none unless `hinted`, and every fifth still
 * sits in new/ without flags, so a server meets all three kinds.
 */
export function placeMessage(
  base: string,
  index: number,
  storedSize: number,
  exactSize: number,
  hinted = false,
): MaildirPlacement {
  const name = index % 4 === 3 && !hinted ? base : `${base},S=${storedSize},W=${exactSize}`;
  return index % 5 === 4 ? { folder: 'new', name } : { folder: 'cur', name: `${name}:2,S` };
}

/** A unique base name in the usual "<time>.<unique>.<host>" form. */
export function maildirBase(time: number, unique: string): string {
  return `${time}.${unique}.poplar-bench`;
}
