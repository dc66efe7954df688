import { PopClient } from '../../helpers/pop-client.js';

export interface ListedMessage {
  readonly msn: number;
  readonly uid: string;
  readonly size: number;
}

/** UIDL and LIST of a logged-in session, joined by message number. */
export async function listing(client: PopClient): Promise<ListedMessage[]> {
  const uidl = await client.multiline('UIDL');
  const list = await client.multiline('LIST');
  if (!uidl.status.startsWith('+OK') || !list.status.startsWith('+OK')) {
    throw new Error(`UIDL/LIST refused: ${uidl.status} / ${list.status}`);
  }
  const sizes = new Map(list.lines.map((line) => line.split(' ').map(Number) as [number, number]));
  return uidl.lines.map((line) => {
    const [msn, uid] = line.split(' ');
    return { msn: Number(msn), uid: uid as string, size: sizes.get(Number(msn)) ?? -1 };
  });
}

/** RETR: the message as sent before dot-stuffing (CRLF line ends), or the -ERR line. */
export async function retrieve(client: PopClient, msn: number): Promise<Buffer | string> {
  const { status, lines } = await client.multiline(`RETR ${msn}`);
  if (!status.startsWith('+OK')) return status;
  return Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'latin1');
}

/** Connects and logs in with USER/PASS; the greeting is checked. */
export async function openSession(
  port: number,
  user: string,
  password: string,
  localAddress?: string,
): Promise<PopClient> {
  const client = await PopClient.connect({ port, ...(localAddress === undefined ? {} : { localAddress }) });
  const greeting = await client.readLine();
  if (!greeting?.startsWith('+OK')) throw new Error(`no greeting: ${greeting}`);
  await client.login(user, password);
  return client;
}

/** Every message of a mailbox with its UID, LIST size and retrieved bytes; the session ends without deleting. */
export async function fetchMailbox(
  port: number,
  user: string,
  password: string,
): Promise<Array<ListedMessage & { readonly wire: Buffer | string }>> {
  const client = await openSession(port, user, password);
  try {
    const out = [];
    for (const message of await listing(client)) out.push({ ...message, wire: await retrieve(client, message.msn) });
    const quit = await client.command('QUIT');
    if (!quit.startsWith('+OK')) throw new Error(`QUIT: ${quit}`);
    return out;
  } finally {
    client.close();
  }
}
