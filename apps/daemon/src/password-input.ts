import type { Readable, Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';

/** Longest password line read from a pipe; anything longer is refused, not cut. */
const MAX_PASSWORD_LINE = 1024;

/**
 * Reads a password: from the terminal with echo off (asked twice when `confirm`), or, when stdin is not a terminal,
 * the first line of stdin. Passwords never come from the command line, where other users could see them.
 */
export async function readPassword(input: Readable, prompt: Writable, confirm: boolean): Promise<string> {
  if ((input as ReadStream).isTTY) {
    const first = await readHidden(input as ReadStream, prompt, 'Password: ');
    if (confirm && (await readHidden(input as ReadStream, prompt, 'Retype password: ')) !== first) {
      throw new Error('the passwords do not match');
    }
    return first;
  }
  return readFirstLine(input);
}

async function readFirstLine(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const buffer = Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    length += buffer.length;
    if (buffer.includes(0x0a) || length > MAX_PASSWORD_LINE) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const end = text.indexOf('\n');
  if (end < 0 && length > MAX_PASSWORD_LINE)
    throw new Error(`the password line is longer than ${MAX_PASSWORD_LINE} bytes`);
  const line = end < 0 ? text : text.slice(0, end);
  const password = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (password === '') throw new Error('no password given on standard input');
  return password;
}

function readHidden(input: ReadStream, prompt: Writable, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    // Echo goes off before the prompt appears, or a password typed (or pasted) at once would be shown.
    input.setRawMode(true);
    prompt.write(question);
    input.setEncoding('utf8');
    input.resume();
    const finish = (error: Error | undefined): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (text: string): void => {
      for (const char of text) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish(undefined);
          return;
        }
        if (char === '\u0003') {
          finish(new Error('interrupted'));
          return;
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
  });
}
