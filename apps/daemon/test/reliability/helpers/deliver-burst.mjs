// A delivery process of its own: reads JSON lines {"maildir", "id", "message" (base64)} from stdin, delivers each
// with @poplar/maildir (built) and prints "<id> <uid>" once the delivery is complete, so the UID the store handed
// out can be checked against every later view of the mailbox.
import { createInterface } from 'node:readline';
import { deliver } from '@poplar/maildir';

for await (const line of createInterface({ input: process.stdin })) {
  const { maildir, id, message } = JSON.parse(line);
  const delivery = await deliver(maildir, Buffer.from(message, 'base64'));
  process.stdout.write(`${id} ${delivery.uid}\n`);
}
