import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { relayLines } from './line-relay.js';

/** A sink that records each write call. */
function recorder(): { out: Writable; writes: string[] } {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { out, writes };
}

describe('relayLines', () => {
  it('writes each whole line with one write call, however the input is cut', async () => {
    const { out, writes } = recorder();
    const from = new PassThrough();
    const done = relayLines(from, out);
    from.write('{"a":');
    from.write('1}\n{"b":2}\n{"c"');
    from.write(':3}\n');
    from.end('tail without newline');
    await done;
    expect(writes).toEqual(['{"a":1}\n', '{"b":2}\n', '{"c":3}\n', 'tail without newline\n']);
  });

  it('passes an over-long line on in bounded pieces', async () => {
    const { out, writes } = recorder();
    const from = new PassThrough();
    const done = relayLines(from, out, 8);
    from.end('0123456789abcdef\nok\n');
    await done;
    expect(writes).toEqual(['0123456789abcdef\n', 'ok\n']);
    const parts = new PassThrough();
    const second = recorder();
    const relayed = relayLines(parts, second.out, 8);
    parts.write('0123');
    parts.write('4567');
    parts.write('89\n');
    parts.end();
    await relayed;
    expect(second.writes).toEqual(['01234567\n', '89\n']);
  });

  it('keeps reading, and drops the lines, once nobody reads the output any more', async () => {
    const out = new Writable({
      highWaterMark: 16,
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    out.on('error', () => {});
    const from = new PassThrough({ highWaterMark: 16 });
    const done = relayLines(from, out);
    for (let i = 0; i < 1000; i++) from.write(`{"line":${i},"padding":"${'x'.repeat(40)}"}\n`);
    from.end();
    await done;
    expect(out.destroyed).toBe(true);
  });
});
