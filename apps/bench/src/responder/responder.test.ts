import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMailbox } from './encoded-mailbox.js';
import { type Responder, startResponder } from './responder.js';

let responder: Responder | undefined;
afterEach(() => responder?.close());

/** Sends every command at once and returns all the responder wrote until it closed the connection. */
async function transcript(port: number, commands: string[]): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.end(commands.map((command) => `${command}\r\n`).join(''));
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

describe('responder', () => {
  it('answers TOP with n body lines or the whole message, and refuses a bad message number or line count', async () => {
    const mailbox = encodeMailbox([Buffer.from('Subject: a\n\none\n.two\nthree\n')]);
    responder = await startResponder({ source: { mailbox: () => mailbox, password: () => undefined } });
    const text = await transcript(responder.port, [
      'CAPA',
      'USER u',
      'PASS p',
      'TOP 1 2',
      'TOP 1 99999999',
      'TOP 2 1',
      'TOP 1 x',
      'QUIT',
    ]);
    expect(text).toBe(
      [
        '+OK poplar-bench responder ready',
        '+OK',
        'TOP',
        'USER',
        'UIDL',
        'SASL PLAIN',
        '.',
        '+OK',
        '+OK logged in',
        ...['+OK', 'Subject: a', '', 'one', '..two', '.'],
        ...['+OK', 'Subject: a', '', 'one', '..two', 'three', '.'],
        '-ERR no such message',
        '-ERR bad line count',
        '+OK bye',
        '',
      ].join('\r\n'),
    );
  });
});
