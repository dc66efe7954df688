import type { Session } from '../session.js';

/** Lines gathered per write of a long listing: memory stays bounded whatever the mailbox size. */
const BATCH_OCTETS = 16 * 1024;

/**
 * Writes the lines of a multi-line LIST or UIDL answer ("msn value" for each message not marked deleted) and the
 * terminator, in batches under backpressure.
 */
export async function sendListing(session: Session, value: (index: number) => string | number): Promise<void> {
  const count = session.maildrop!.count;
  let batch = '';
  for (let index = 0; index < count; index++) {
    if (session.isDeleted(index)) continue;
    batch += `${index + 1} ${value(index)}\r\n`;
    if (batch.length >= BATCH_OCTETS) {
      await session.reply(Buffer.from(batch, 'latin1'));
      batch = '';
    }
  }
  await session.reply(Buffer.from(`${batch}.\r\n`, 'latin1'));
}
