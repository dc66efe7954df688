import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FixtureOptions, fixture } from './session.fixture.js';
import { createMemoryFileSender } from './testing/index.js';

/** Everything the server sends after login for `commands` and QUIT, as raw bytes. */
async function transcript(options: FixtureOptions, commands: readonly string[]): Promise<Buffer> {
  const s = await fixture(options).login();
  s.send(...commands, 'QUIT');
  const received: Buffer[] = [];
  for await (const chunk of s.client) received.push(chunk as Buffer);
  return Buffer.concat(received);
}

/** What the client received until the connection closed (reset or not). */
async function untilClosed(s: { readonly client: Duplex }): Promise<string> {
  const received: Buffer[] = [];
  try {
    for await (const chunk of s.client) received.push(chunk as Buffer);
  } catch {
    // Reset: what arrived before counts.
  }
  return Buffer.concat(received).toString('latin1');
}

/** Records the writes made to the stream: one entry per write() call, or per corked batch of them (one writev). */
function recordWrites(stream: Duplex): Buffer[][] {
  const writes: Buffer[][] = [];
  const write = stream.write.bind(stream) as (chunk: Buffer, done?: (error?: Error | null) => void) => boolean;
  const cork = stream.cork.bind(stream);
  stream.cork = () => {
    writes.push([]);
    cork();
  };
  stream.write = ((chunk: Buffer, done?: (error?: Error | null) => void) => {
    if (stream.writableCorked > 0) writes.at(-1)!.push(chunk);
    else writes.push([chunk]);
    return write(chunk, done);
  }) as typeof stream.write;
  return writes;
}

const crlfLines = fc
  .array(fc.constantFrom('', '.', '..', '.x', 'Subject: x', 'body text', '\r', 'a.b'), { maxLength: 30 })
  .map((lines) => lines.map((l) => `${l}\r\n`).join(''));
const anyText = fc.string({ unit: fc.constantFrom('\n', '\r', '.', 'a', ' '), maxLength: 200 });

describe('sending messages in CRLF form', () => {
  it('RETR and TOP send the same bytes as the general encoder, for any chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(crlfLines, anyText),
        fc.integer({ min: 1, max: 40 }),
        fc.nat({ max: 5 }),
        async (message, chunkSize, k) => {
          const commands = ['RETR 1', `TOP 1 ${k}`, 'TOP 1 99999999', 'RETR 1'];
          const users = { alice: [message] };
          const plain = await transcript({ users, chunkSize }, commands);
          const crlf = await transcript({ users, chunkSize, crlfForm: true }, commands);
          expect(crlf.toString('latin1')).toBe(plain.toString('latin1'));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes views of the stored chunks, in large batches', async () => {
    const line = (i: number) => `${i % 97 === 0 ? '.' : ''}${'x'.repeat(60 + (i % 15))}\r\n`;
    const message = `Subject: big\r\n\r\n${Array.from({ length: 15_000 }, (_, i) => line(i)).join('')}`;
    const f = fixture({ users: { alice: [message] }, chunkSize: 256 * 1024, crlfForm: true });
    const s = await f.login();
    const stored = f.store.messages('alice')[0]!.content;
    const writes = recordWrites(s.server);
    s.send('RETR 1');
    const [head, ...lines] = await s.multiline();
    expect(head).toBe(`+OK ${message.length} octets`);
    expect(lines.filter((l) => l.startsWith('..'))).toHaveLength(Math.ceil(15_000 / 97));

    const total = writes.flat().reduce((sum, piece) => sum + piece.length, 0);
    expect(total).toBe(head!.length + 2 + message.length + Math.ceil(15_000 / 97) + 3);
    // About 1 MiB in writes of 64 KiB or more: the store's chunk size, not the line length, sets the pace.
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(total / (64 * 1024)) + 1);
    const copied = writes.flat().filter((piece) => piece.length > 64 && piece.buffer !== stored.buffer);
    expect(copied).toEqual([]);
  });

  it('gathers the answers of pipelined RETRs of small messages into writes of 64 KiB', async () => {
    const message = `Subject: small\r\n\r\n${'.x\r\nbody line\r\n'.repeat(200)}`;
    const f = fixture({ users: { alice: Array(60).fill(message) }, crlfForm: true });
    const s = await f.login();
    const writes = recordWrites(s.server);
    s.send(...Array.from({ length: 60 }, (_, i) => `RETR ${i + 1}`));
    for (let i = 0; i < 60; i++) expect(await s.multiline()).toHaveLength(403);
    const total = writes.flat().reduce((sum, piece) => sum + piece.length, 0);
    expect(total).toBeGreaterThan(60 * message.length);
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(total / (64 * 1024)) + 1);
  });
});

describe('messages the store has read whole', () => {
  it('RETR and TOP send `whole` as they would send the stream, without iterating it, and give it back', async () => {
    const message = `Subject: whole\r\n\r\n${'.dot\r\nline\r\n'.repeat(50)}`;
    const commands = ['RETR 1', 'TOP 1 3', 'TOP 1 99999999'];
    const streamed = await transcript({ users: { alice: [message] }, crlfForm: true }, commands);
    const f = fixture({ users: { alice: [message] }, crlfForm: true });
    const recycled: Uint8Array[] = [];
    const open = f.store.open.bind(f.store);
    f.store.open = async (identity, ctx) => {
      const drop = await open(identity, ctx);
      drop.read = async () => ({
        form: 'crlf',
        length: message.length,
        whole: Buffer.from(message, 'latin1'),
        [Symbol.asyncIterator]: () => {
          throw new Error('iterated');
        },
        recycle: (chunk: Uint8Array) => recycled.push(chunk),
      });
      return drop;
    };
    const s = await f.login();
    s.send(...commands, 'QUIT');
    const received: Buffer[] = [];
    for await (const chunk of s.client) received.push(chunk as Buffer);
    expect(Buffer.concat(received).toString('latin1')).toBe(streamed.toString('latin1'));
    expect(recycled.map((chunk) => Buffer.from(chunk).toString('latin1'))).toEqual(Array(3).fill(message));
  });

  it('writes the terminator with the last bytes of a message of known length, not on its own', async () => {
    const message = `Subject: long\r\n\r\n${'a line of the body\r\n'.repeat(5000)}`;
    const f = fixture({ users: { alice: [message] }, chunkSize: 256 * 1024, crlfForm: true });
    const s = await f.login();
    const writes = recordWrites(s.server);
    s.send('RETR 1');
    expect(await s.multiline()).toHaveLength(5003);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.at(-1)!.toString('latin1')).toBe('.\r\n');
  });
});

describe('joining small answers', () => {
  it('joins each small answer into memory that is used again once written, every answer intact', async () => {
    const messages = [1, 2, 3].map((n) => `Subject: ${n}\r\n\r\n${'.dot\r\nline\r\n'.repeat(20 * n)}`);
    const f = fixture({ users: { alice: messages }, crlfForm: true });
    const s = await f.login();
    const writes = recordWrites(s.server);
    for (const [i, message] of messages.entries()) {
      s.send(`RETR ${i + 1}`);
      const [head, ...lines] = await s.multiline();
      expect(head).toBe(`+OK ${message.length} octets`);
      expect(lines.join('\r\n')).toBe(message.slice(0, -2).replaceAll('\r\n.', '\r\n..'));
    }
    const answers = writes.filter((write) => write.length === 1 && write[0]!.length > 100).map((write) => write[0]!);
    expect(answers).toHaveLength(3);
    expect(new Set(answers.map((answer) => answer.buffer)).size).toBe(1);
  });
});

describe('recycling the stored chunks', () => {
  /** Alice's store, with streams that report their recycling and, with `failAfter`, fail after that many chunks. */
  function recyclingFixture(failAfter?: number) {
    const message = `Subject: a\r\n\r\n${'.body\r\n'.repeat(failAfter === undefined ? 149 : 20_000)}`;
    const f = fixture({ users: { alice: [message] }, chunkSize: 64, crlfForm: true });
    const yielded: Uint8Array[] = [];
    const recycled: Uint8Array[] = [];
    const open = f.store.open.bind(f.store);
    f.store.open = async (identity, ctx) => {
      const drop = await open(identity, ctx);
      const read = drop.read.bind(drop);
      drop.read = async (index, signal) => {
        const stream = (await read(index, signal))!;
        async function* chunks() {
          let sent = 0;
          for await (const chunk of stream) {
            if (sent++ === failAfter) throw new Error('disk gone');
            yielded.push(chunk);
            yield chunk;
          }
        }
        return {
          form: stream.form,
          length: stream.length,
          [Symbol.asyncIterator]: chunks,
          recycle: (chunk: Uint8Array) => recycled.push(chunk),
        };
      };
      return drop;
    };
    return { f, yielded, recycled };
  }

  it('gives back every chunk it sent, once, after writing it', async () => {
    const { f, yielded, recycled } = recyclingFixture();
    const s = await f.login();
    s.send('RETR 1');
    expect((await s.multiline()).length).toBe(1 + 151);
    s.send('NOOP');
    await s.line();
    expect(yielded.length).toBeGreaterThan(10);
    expect(recycled).toEqual(yielded);
  });

  it('gives back the chunks TOP sent, having read no more of the message than it needed', async () => {
    const { f, yielded, recycled } = recyclingFixture();
    const s = await f.login();
    s.send('TOP 1 10');
    expect(await s.multiline()).toEqual(['+OK', 'Subject: a', '', ...Array(10).fill('..body')]);
    s.send('NOOP');
    await s.line();
    // 64-octet chunks: the 84 octets TOP sends end in the second.
    expect(yielded.length).toBe(2);
    expect(recycled).toEqual(yielded);
  });

  it('does not give back chunks whose write was cut short when the send failed part way', async () => {
    // Past the first 64 KiB write, so that some of the message did go out.
    const { f, yielded, recycled } = recyclingFixture(1500);
    const s = await f.login();
    s.send('RETR 1');
    // The session cuts the connection: a message it cannot finish must not look complete.
    const received = await untilClosed(s);
    expect(received).toContain('+OK');
    expect(received).not.toContain('\r\n.\r\n');
    // Only chunks of writes that completed come back, each once, in order: never those of the write cut short.
    expect(recycled.length).toBeLessThan(yielded.length);
    expect(recycled).toEqual(yielded.slice(0, recycled.length));
  });
});

describe('messages the store answers with a file in wire form', () => {
  const commands = ['RETR 1', 'TOP 1 1', 'TOP 1 99999999', 'RETR 2', 'LIST'];

  it('sends the same bytes as from a stream, whatever the connection takes at once, and closes every file (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(crlfLines, anyText),
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 }), fc.constant(Number.POSITIVE_INFINITY)),
        async (message, takeAtMost) => {
          const users = { alice: [message, `Subject: 2\r\n\r\n${'.'.repeat(300)}\r\n`.repeat(400)] };
          const sender = createMemoryFileSender({ takeAtMost });
          const expected = await transcript({ users, chunkSize: 7 }, commands);
          expect((await transcript({ users, wireFiles: sender }, commands)).toString('latin1')).toBe(
            expected.toString('latin1'),
          );
          expect(sender.stats.sendNowCalls).toBeGreaterThan(0);
          // Nothing taken at once: every byte went through read() and the stream instead.
          if (takeAtMost === 0) expect(sender.stats.reads).toBeGreaterThan(0);
          expect(sender.openFiles).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('asks for a file for RETR and for TOP of the whole message only, and only when the connection takes files', async () => {
    const sender = createMemoryFileSender();
    const f = fixture({ wireFiles: sender });
    const s = await f.login();
    s.send('TOP 1 2', 'TOP 1 28', 'RETR 1');
    for (let i = 0; i < 3; i++) await s.multiline();
    expect(f.store.stats.fileReadsAllowed).toBe(2);
    expect(sender.stats.sendNowCalls).toBe(2);
    s.send('QUIT');
    const summary = await s.result;
    expect(summary.bytesFromFiles).toBe(sender.stats.bytesSent);
    expect(summary.bytesFromFiles).toBeGreaterThan(0);

    const refusing = createMemoryFileSender({ canSend: () => false });
    const g = fixture({ wireFiles: refusing });
    const t = await g.login();
    t.send('RETR 1');
    expect((await t.multiline())[0]).toBe('+OK 28 octets');
    expect(g.store.stats.fileReadsAllowed).toBe(0);
    expect(refusing.stats.sendNowCalls).toBe(0);
  });

  it('ends the session when the connection fails during the send, closing the file and removing nothing', async () => {
    const sender = createMemoryFileSender();
    const f = fixture({ wireFiles: sender });
    const s = await f.login();
    s.send('DELE 2');
    expect(await s.line()).toMatch(/^\+OK/);
    sender.failNextSend();
    s.send('RETR 1');
    const summary = await s.result;
    expect(summary.end).toBe('closed');
    expect(sender.openFiles).toBe(0);
    expect(f.store.stats.commits).toEqual([]);
  });

  it('cuts the connection rather than finish a file shorter than its length', async () => {
    const sender = createMemoryFileSender({ takeAtMost: 10 });
    const open = sender.open.bind(sender);
    // Every file says it is 100 bytes longer than what it holds.
    Object.assign(sender, { open: (bytes: Uint8Array) => ({ ...open(bytes), length: bytes.length + 100 }) });
    const f = fixture({ wireFiles: sender });
    const s = await f.login();
    s.send('RETR 1');
    // A reset connection takes unread bytes with it: whatever arrived must not look like a complete answer.
    expect(await untilClosed(s)).not.toContain('\r\n.\r\n');
    expect((await s.result).end).toBe('error');
    expect(sender.openFiles).toBe(0);
  });
});
