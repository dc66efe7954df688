// SendfileBinding.sendFile on real loopback TCP connections and real files.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLoopbacks, type Loopback, loopback } from '../test/loopback.js';
import { loadSendfile, type SendfileBinding } from './load-sendfile.js';
import { socketFdOf } from './socket-fd-of.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-sendfile-'));
const fds: number[] = [];
let binding: SendfileBinding;

afterEach(closeLoopbacks);
afterAll(() => {
  for (const fd of fds) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
/** A temp file with `data`, open for reading (or `flags`); closed after all tests. */
function fileWith(data: Uint8Array, flags = 'r'): number {
  const path = join(dir, `file-${++files}`);
  writeFileSync(path, data);
  const fd = openSync(path, flags);
  fds.push(fd);
  return fd;
}

function fdOf(pair: Loopback): number {
  const fd = socketFdOf(pair.sender);
  if (fd === undefined) expect.fail('a plain TCP socket has a descriptor');
  return fd;
}

/** Calls `send` until it throws (the peer's reset takes a moment to arrive), at most `tries` times. */
async function firstError(send: () => number, tries = 200): Promise<NodeJS.ErrnoException> {
  for (let i = 0; i < tries; i++) {
    try {
      send();
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
    await sleep(10);
  }
  return expect.fail(`no error after ${tries} sends`);
}

const head = Buffer.from('+OK 102400 octets\r\n');
const data = randomBytes(100 * 1024);

describe.skipIf(process.platform !== 'linux')('sendFile', () => {
  beforeAll(() => {
    const loaded = loadSendfile();
    if (!loaded.ok) expect.fail(`the addon must build and load on Linux with a C toolchain: ${loaded.reason}`);
    binding = loaded.binding;
  });

  it('sends the head and then the whole file, and leaves the file position alone', async () => {
    const pair = await loopback();
    const file = fileWith(data);
    expect(binding.sendFile(fdOf(pair), head, file, 0, data.length)).toBe(head.length + data.length);
    pair.sender.end();
    expect((await pair.receiver.all()).equals(Buffer.concat([head, data]))).toBe(true);
    // The explicit offset: a read at the file's own position still starts at 0.
    const start = Buffer.alloc(16);
    readSync(file, start, 0, 16, null);
    expect(start.equals(data.subarray(0, 16))).toBe(true);
  });

  it('sends a range from the middle of the file', async () => {
    const pair = await loopback();
    expect(binding.sendFile(fdOf(pair), head, fileWith(data), 1000, 5000)).toBe(head.length + 5000);
    pair.sender.end();
    expect((await pair.receiver.all()).equals(Buffer.concat([head, data.subarray(1000, 6000)]))).toBe(true);
  });

  it('sends only the file range when the head is empty', async () => {
    const pair = await loopback();
    expect(binding.sendFile(fdOf(pair), new Uint8Array(0), fileWith(data), 7, 70_000)).toBe(70_000);
    pair.sender.end();
    expect((await pair.receiver.all()).equals(data.subarray(7, 70_007))).toBe(true);
  });

  it('sends only the head when the length is 0', async () => {
    const pair = await loopback();
    expect(binding.sendFile(fdOf(pair), head, fileWith(data), 0, 0)).toBe(head.length);
    expect((await pair.receiver.atLeast(head.length)).equals(head)).toBe(true);
    pair.sender.end();
    expect((await pair.receiver.all()).equals(head)).toBe(true);
  });

  it('sends exactly the bytes of any typed array view as the head', async () => {
    const pair = await loopback();
    const view = Buffer.from('xxHEADyy').subarray(2, 6);
    // Typed as Uint8Array, but the addon sends any typed array's bytes, not its element count.
    const wide = new Uint16Array([0x4241]) as unknown as Uint8Array;
    const fd = fdOf(pair);
    expect(binding.sendFile(fd, view, fileWith(data), 0, 0)).toBe(4);
    expect(binding.sendFile(fd, wide, fileWith(data), 0, 0)).toBe(2);
    pair.sender.end();
    expect(
      (await pair.receiver.all()).equals(Buffer.concat([view, Buffer.from(wide.buffer, wide.byteOffset, 2)])),
    ).toBe(true);
  });

  it('returns fewer bytes and sends exactly what exists when the file is shorter than offset + length', async () => {
    const pair = await loopback();
    const fd = fdOf(pair);
    const file = fileWith(data.subarray(0, 1000));
    expect(binding.sendFile(fd, head, file, 900, 500)).toBe(head.length + 100);
    // Past the end: only the head.
    expect(binding.sendFile(fd, head, file, 5000, 10)).toBe(head.length);
    pair.sender.end();
    const received = await pair.receiver.all();
    expect(received.length).toBe(2 * head.length + 100);
    expect(received.equals(Buffer.concat([head, data.subarray(900, 1000), head]))).toBe(true);
  });

  it('returns early when the peer does not read, and repeated calls deliver the rest byte-exact', async () => {
    const big = randomBytes(32 * 1024 * 1024);
    const file = fileWith(big);
    const pair = await loopback({ paused: true });
    const fd = fdOf(pair);
    const total = head.length + big.length;
    let sent = binding.sendFile(fd, head, file, 0, big.length);
    expect(sent).toBeGreaterThanOrEqual(head.length);
    expect(sent).toBeLessThan(total);
    // Nothing blocks while the receiver sleeps: a full send buffer just returns 0.
    expect(binding.sendFile(fd, new Uint8Array(0), file, sent - head.length, total - sent)).toBe(0);

    pair.receiver.socket.resume();
    const deadline = Date.now() + 15_000;
    let calls = 0;
    while (sent < total && calls < 100_000 && Date.now() < deadline) {
      await new Promise(setImmediate); // the receiver reads, in this same process
      sent += binding.sendFile(fd, new Uint8Array(0), file, sent - head.length, total - sent);
      calls++;
    }
    expect(sent).toBe(total);
    expect(calls).toBeGreaterThan(1);
    pair.sender.end();
    const received = await pair.receiver.all();
    expect(received.length).toBe(total);
    expect(received.equals(Buffer.concat([head, big]))).toBe(true);
  }, 30_000);

  it.each([
    ['resets', (pair: Loopback) => pair.receiver.socket.resetAndDestroy()],
    ['closes', (pair: Loopback) => pair.receiver.socket.destroy()],
  ])('throws EPIPE or ECONNRESET once the peer %s the connection, and the process survives', async (_, hangUp) => {
    const pair = await loopback();
    const fd = fdOf(pair);
    const file = fileWith(data);
    hangUp(pair);
    const error = await firstError(() => binding.sendFile(fd, head, file, 0, data.length));
    expect(error).toBeInstanceOf(Error);
    expect(['EPIPE', 'ECONNRESET']).toContain(error.code);
    expect(error.errno).toBe(constants.errno[error.code as 'EPIPE']);
    expect(error.syscall).toBe('send');
    expect(error.message).toBe(`send ${error.code}`);
    // Without a head the error comes from sendfile(2), which raises SIGPIPE: Node ignores it.
    const again = await firstError(() => binding.sendFile(fd, new Uint8Array(0), file, 0, data.length));
    expect(again).toMatchObject({ code: 'EPIPE', errno: constants.errno.EPIPE, syscall: 'sendfile' });
  });

  it('throws EBADF for a descriptor that is not open', () => {
    const file = fileWith(data);
    expect(() => binding.sendFile(2 ** 31 - 1, head, file, 0, 10)).toThrow(
      expect.objectContaining({ code: 'EBADF', errno: constants.errno.EBADF }),
    );
  });

  it('throws EBADF for a bad file when nothing was written, and returns the head count when the head went out', async () => {
    const pair = await loopback();
    const fd = fdOf(pair);
    expect(() => binding.sendFile(fd, new Uint8Array(0), 2 ** 31 - 1, 0, 10)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'sendfile' }),
    );
    expect(binding.sendFile(fd, head, 2 ** 31 - 1, 0, 10)).toBe(head.length);
    // The head was sent with MSG_MORE: it must still leave now, not with a later write.
    expect((await pair.receiver.atLeast(head.length)).equals(head)).toBe(true);
  });

  it.each([
    ['with', head],
    ['without', new Uint8Array(0)],
  ])('throws ENOTSOCK for a file descriptor as the socket, %s a head, and writes nothing into it', (_, first) => {
    const target = fileWith(Buffer.from('unchanged'), 'r+');
    const source = fileWith(data);
    expect(() => binding.sendFile(target, first, source, 0, 100)).toThrow(
      expect.objectContaining({ code: 'ENOTSOCK', errno: constants.errno.ENOTSOCK }),
    );
    expect(readFileSync(`/proc/self/fd/${target}`, 'utf8')).toBe('unchanged');
  });

  it('refuses a blocking socket instead of blocking the event loop', () => {
    // A child's stdout from spawn is a socketpair(2) end in blocking mode, left alone while process.stdout is unused.
    const child = `
      const { openSync, fstatSync, writeSync } = require('node:fs');
      const { sendFile } = require(process.argv[1]);
      const file = openSync(process.execPath, 'r');
      let result;
      try { result = { returned: sendFile(1, new Uint8Array(0), file, 0, 1 << 20) }; }
      catch (error) { result = { code: error.code, message: error.message }; }
      writeSync(2, JSON.stringify({ socket: fstatSync(1).isSocket(), ...result }));`;
    const run = spawnSync(process.execPath, ['-e', child, binding.path], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(run.stderr)).toEqual({
      socket: true,
      code: 'EINVAL',
      message: 'sendfile EINVAL: socketFd is in blocking mode',
    });
  });

  it('sends after what socket.write wrote, in order, once writableLength is 0', async () => {
    const pair = await loopback();
    await new Promise<void>((resolve, reject) =>
      pair.sender.write('+OK here it comes\r\n', (error) => (error ? reject(error) : resolve())),
    );
    expect(pair.sender.writableLength).toBe(0);
    expect(binding.sendFile(fdOf(pair), head, fileWith(data), 0, 4096)).toBe(head.length + 4096);
    pair.sender.end('.\r\n');
    const expected = Buffer.concat([
      Buffer.from('+OK here it comes\r\n'),
      head,
      data.subarray(0, 4096),
      Buffer.from('.\r\n'),
    ]);
    expect((await pair.receiver.all()).equals(expected)).toBe(true);
  });

  describe('argument validation', () => {
    const file = () => fileWith(data);
    const empty = new Uint8Array(0);
    it.each<[string, (fd: number, file: number) => unknown[], ErrorConstructor, string]>([
      ['a string socketFd', (_, f) => ['3', empty, f, 0, 1], TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['a negative socketFd', (_, f) => [-1, empty, f, 0, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['a fractional socketFd', (_, f) => [1.5, empty, f, 0, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['a socketFd beyond int32', (_, f) => [2 ** 31, empty, f, 0, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['a string head', (s, f) => [s, 'head', f, 0, 1], TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['an array head', (s, f) => [s, [1, 2], f, 0, 1], TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['a missing head', (s, f) => [s, undefined, f, 0, 1], TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['a negative fileFd', (s) => [s, empty, -1, 0, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['a bigint offset', (s, f) => [s, empty, f, 0n, 1], TypeError, 'ERR_INVALID_ARG_TYPE'],
      ['a negative offset', (s, f) => [s, empty, f, -1, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['an unsafe offset', (s, f) => [s, empty, f, 2 ** 53, 1], RangeError, 'ERR_OUT_OF_RANGE'],
      ['a NaN length', (s, f) => [s, empty, f, 0, Number.NaN], RangeError, 'ERR_OUT_OF_RANGE'],
      ['an infinite length', (s, f) => [s, empty, f, 0, Number.POSITIVE_INFINITY], RangeError, 'ERR_OUT_OF_RANGE'],
      ['too few arguments', (s, f) => [s, empty, f, 0], TypeError, 'ERR_MISSING_ARGS'],
    ])('rejects %s', async (_, args, type, code) => {
      const pair = await loopback();
      const call = binding.sendFile as (...values: unknown[]) => number;
      let thrown: unknown;
      try {
        call(...args(fdOf(pair), file()));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(type);
      expect(thrown).toMatchObject({ code });
    });
  });
});
