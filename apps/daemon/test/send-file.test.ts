import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lfMessage } from './helpers/messages.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, type LogLine } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'pw-for-sendfile';
const USER = 'sf';

let fixture: Fixture;
let daemon: DaemonProcess;
let port: number;
let messages: { crlf: string; wire: string; file: string }[];

/** Stores `lf` as software that writes LF does (with its CRLF size as W=), so its wire form gets kept. */
async function storeForeign(
  maildir: string,
  n: number,
  lf: string,
): Promise<{ crlf: string; wire: string; file: string }> {
  const crlf = lf.replaceAll('\n', '\r\n');
  const file = `17000000${n}.M${n}P1.test,S=${lf.length},W=${crlf.length}:2,S`;
  await writeFile(join(maildir, 'cur', file), lf, 'latin1');
  return { crlf, wire: `${crlf.replace(/^\./gm, '..')}.\r\n`, file };
}

const curl = (...args: string[]) =>
  runTool('curl', ['-sS', '--max-time', '30', '-u', `${USER}:${PASSWORD}`, ...args], { timeoutMs: 30_000 });

/** The session log lines of USER, in order. */
const sessions = (d: DaemonProcess): LogLine[] => d.logs.filter((l) => l.event === 'session' && l.user === USER);

/** Sends `commands` after logging in, then reads until `until` appears in what came back, pausing first if asked. */
async function raw(commands: string, until: string, pauseMs = 0, stopAfter = Infinity): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let received = 0;
  let tail = '';
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(`USER ${USER}\r\nPASS ${PASSWORD}\r\n${commands}`);
      if (pauseMs > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), pauseMs);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // Only the end can hold `until` for the first time: what came before was searched already.
      const seen = tail + chunk.toString('latin1');
      tail = seen.slice(-until.length);
      if (received >= stopAfter || seen.includes(until)) {
        socket.destroy();
        resolve(Buffer.concat(chunks).toString('latin1'));
      }
    });
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.writeConfig({ Workers: 1, CrlfCacheAfterReads: 1 });
  await fixture.addUser(USER, PASSWORD);
  const maildir = join(fixture.mailRoot, USER, 'Maildir');
  for (const folder of ['cur', 'new', 'tmp']) await mkdir(join(maildir, folder), { recursive: true, mode: 0o700 });
  const lines = Array.from({ length: 90_000 }, (_, i) =>
    i % 37 === 0 ? `.${i} dotted` : `line ${i} ${'x'.repeat(80)}`,
  );
  messages = [
    await storeForeign(maildir, 1, lfMessage('small', ['.', '..two', 'text', '.'])),
    // About 8 MiB: more than a socket takes at once, so the send goes on through the stream.
    await storeForeign(maildir, 2, lfMessage('big', lines)),
  ];
  daemon = await DaemonProcess.start(join(fixture.dir, 'poplar.toml'));
  port = daemon.port('plain');
  // The first read of each message keeps its wire form; later ones are sent from it.
  for (const n of [1, 2]) expect((await curl(`pop3://127.0.0.1:${port}/${n}`)).code).toBe(0);
  await daemon.waitFor(() => sessions(daemon).length === 2);
  expect((await readdir(join(maildir, 'poplar-crlf'))).length).toBe(2);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

describe('kept wire forms sent with sendfile(2)', () => {
  it('curl and poplib get every message byte for byte, and the session log counts the bytes sent from files', async () => {
    for (const [n, message] of messages.entries()) {
      const result = await curl(`pop3://127.0.0.1:${port}/${n + 1}`);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString('latin1') === message.crlf).toBe(true);
    }
    const script = join(fixture.dir, 'poplib-sendfile.py');
    await writeFile(
      script,
      [
        'import poplib, sys, hashlib',
        `p = poplib.POP3("127.0.0.1", ${port}, timeout=30)`,
        `p.user("${USER}"); p.pass_("${PASSWORD}")`,
        'for n in (1, 2):',
        '    resp, lines, octets = p.retr(n)',
        '    print(hashlib.sha256(b"\\r\\n".join(lines) + b"\\r\\n").hexdigest())',
        'p.quit()',
      ].join('\n'),
    );
    const poplib = await runTool('python3', [script]);
    expect(poplib.code, poplib.stderr.toString()).toBe(0);
    const { createHash } = await import('node:crypto');
    const sha = (text: string) => createHash('sha256').update(text, 'latin1').digest('hex');
    expect(poplib.stdout.toString().trim().split('\n')).toEqual(messages.map((m) => sha(m.crlf)));

    await daemon.waitFor(() => sessions(daemon).length === 5);
    const fromFiles = sessions(daemon).map((l) => l.bytesFromFiles as number);
    // Building the wire forms sent nothing from files; every later session sent at least the small message so.
    expect(fromFiles.slice(0, 2)).toEqual([0, 0]);
    for (const bytes of fromFiles.slice(2)) expect(bytes).toBeGreaterThan(messages[0]!.wire.length);
  });

  it('a client that does not read for a while still gets every byte of the large message', async () => {
    const answer = await raw('RETR 2\r\n', '\r\n.\r\n', 700);
    const status = `+OK ${messages[1]!.crlf.length} octets\r\n`;
    const start = answer.indexOf(status);
    expect(start).toBeGreaterThan(0);
    expect(answer.slice(start + status.length) === messages[1]!.wire).toBe(true);
  });

  it('a client that goes away in the middle leaves the daemon serving and the message in place', async () => {
    const before = sessions(daemon).length;
    const partial = await raw('RETR 2\r\n', '\r\n.\r\n', 0, 300_000);
    expect(partial.length).toBeLessThan(messages[1]!.wire.length);
    await daemon.waitFor(() => sessions(daemon).length === before + 1);
    expect(sessions(daemon).at(-1)!.end).toBe('closed');
    const again = await curl(`pop3://127.0.0.1:${port}/2`);
    expect(again.stdout.toString('latin1') === messages[1]!.crlf).toBe(true);
    const files = await readdir(join(fixture.mailRoot, USER, 'Maildir', 'cur'));
    expect(files.sort()).toEqual(messages.map((m) => m.file).sort());
  });

  it('sends mail delivered by poplard deliver, without line-start dots, from its own file once it was read', async () => {
    const delivered = lfMessage(
      'delivered',
      Array.from({ length: 2000 }, (_, i) => `plain line ${i}`),
    ).replaceAll('\n', '\r\n');
    expect((await fixture.deliver(USER, delivered)).code).toBe(0);
    // A new session lists it as message 3; each fetch is a session of its own.
    for (let fetch = 0; fetch < 2; fetch++) {
      const before = sessions(daemon).length;
      const result = await curl(`pop3://127.0.0.1:${port}/3`);
      expect(result.stdout.toString('latin1') === delivered).toBe(true);
      await daemon.waitFor(() => sessions(daemon).length === before + 1);
      const fromFiles = sessions(daemon).at(-1)!.bytesFromFiles as number;
      // The first read finds that no line starts with "."; the second sends the file (and the terminator after it).
      if (fetch === 0) expect(fromFiles).toBe(0);
      else expect(fromFiles).toBeGreaterThanOrEqual(delivered.length);
    }
  });

  it('sends nothing from files over STLS, and nothing with SendFile = false, with the same bytes', async () => {
    const before = sessions(daemon).length;
    const overTls = await curl('--ssl-reqd', '-k', `pop3://127.0.0.1:${port}/2`);
    expect(overTls.code, overTls.stderr).toBe(0);
    expect(overTls.stdout.toString('latin1') === messages[1]!.crlf).toBe(true);
    await daemon.waitFor(() => sessions(daemon).length === before + 1);
    expect(sessions(daemon).at(-1)).toMatchObject({ tls: true, bytesFromFiles: 0 });

    const off = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1, SendFile: false }, 'off.toml'));
    try {
      const result = await curl(`pop3://127.0.0.1:${off.port('plain')}/2`);
      expect(result.stdout.toString('latin1') === messages[1]!.crlf).toBe(true);
      await off.waitFor(() => sessions(off).length === 1);
      expect(sessions(off)[0]).toMatchObject({ bytesFromFiles: 0 });
    } finally {
      await off.stop();
    }
  });
});
