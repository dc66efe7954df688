import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** A small RFC 822 message with CRLF line ends, so the bytes on the wire equal the bytes stored. */
export function crlfMessage(subject: string, body: string[] = ['Hello.']): string {
  return [
    'From: Sender <sender@example.test>',
    'To: alice@example.test',
    `Subject: ${subject}`,
    'Date: Thu, 26 Nov 2026 10:00:00 +0000',
    `Message-ID: <${subject.replace(/\W+/g, '-')}@example.test>`,
    '',
    ...body,
    '',
  ].join('\r\n');
}

/** The same message with LF line ends, as most MTAs store mail. */
export const lfMessage = (subject: string, body?: string[]): string =>
  crlfMessage(subject, body).replaceAll('\r\n', '\n');

/** The files of a user's Maildir (new/ and cur/), as paths. */
export async function maildirFiles(mailRoot: string, user: string): Promise<string[]> {
  const maildir = join(mailRoot, user, 'Maildir');
  const files: string[] = [];
  for (const folder of ['new', 'cur']) {
    for (const name of await readdir(join(maildir, folder)).catch(() => [])) files.push(join(maildir, folder, name));
  }
  return files;
}

/** Parses "n uid" or "n size" lines of a UIDL or LIST answer into the second fields. */
export function secondFields(lines: readonly string[]): string[] {
  return lines.map((line) => line.split(/\s+/)[1] ?? '');
}
