import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchError, type ErrorKind } from '../protocol/bench-error.js';
import { syntheticSource } from '../responder/mailbox-source.js';
import { startResponder } from '../responder/responder.js';
import { type ClientObserver, Pop3Client } from './pop3-client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A scripted server: `onLine` answers each command line; the greeting is sent on connect unless null. */
async function scripted(
  greeting: string | null,
  onLine: (line: string, socket: Socket) => void = () => {},
): Promise<number> {
  server = createServer((socket) => {
    if (greeting !== null) socket.write(greeting);
    let input = '';
    socket.on('data', (chunk) => {
      input += chunk.toString('latin1');
      for (let lf = input.indexOf('\n'); lf >= 0; lf = input.indexOf('\n')) {
        onLine(input.slice(0, lf).trimEnd(), socket);
        input = input.slice(lf + 1);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function kindOf(promise: Promise<unknown>): Promise<ErrorKind> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BenchError) return error.kind;
    throw error;
  }
  throw new Error('did not fail');
}

const address = (port: number) => ({ host: '127.0.0.1', port, tls: 'none' as const, timeoutMs: 300 });

describe('Pop3Client failures', () => {
  it('times out when the server says nothing', async () => {
    const port = await scripted(null);
    expect(await kindOf(Pop3Client.connect(address(port)))).toBe('timeout');
  });

  it('refuses a -ERR greeting', async () => {
    const port = await scripted('-ERR go away\r\n');
    expect(await kindOf(Pop3Client.connect(address(port)))).toBe('greeting');
  });

  it('reports bytes that no command asked for', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      if (line === 'NOOP') socket.write('+OK\r\n+OK extra\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    await client.noop().catch(() => {});
    expect(await kindOf(client.noop())).toBe('unexpected-data');
    client.destroy();
  });

  it('reports a connection closed in the middle of a message', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      if (line.startsWith('RETR')) socket.end('+OK 100 octets\r\nSubject: cut\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    expect(await kindOf(client.retr(1, 100))).toBe('closed');
  });

  it('reports -ERR to a command as err-reply and keeps the connection usable', async () => {
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      socket.write(line.startsWith('USER') ? '+OK\r\n' : line.startsWith('PASS') ? '-ERR [AUTH] no\r\n' : '+OK\r\n');
    });
    const client = await Pop3Client.connect(address(port));
    expect(await kindOf(client.login('u', 'p', 'user'))).toBe('err-reply');
    await expect(client.noop()).resolves.toBeUndefined();
    client.destroy();
  });
});

describe('Pop3Client TOP', () => {
  it('fetches every message with TOP <msn> 99999999, validated like RETR and timed as TOP', async () => {
    const source = syntheticSource('mixed', 12, 'top');
    const responder = await startResponder({ source });
    const latencies: string[] = [];
    const observer: ClientObserver = { received() {}, latency: (command) => latencies.push(command) };
    try {
      const client = await Pop3Client.connect(address(responder.port), observer);
      await client.login('user1', 'secret', 'user');
      const listing = await client.list();
      const sizes = listing.entries.map((entry) => Number(entry.value));
      for (const [index, size] of sizes.entries()) {
        const reply = await client.fetch('top', index + 1, size, true);
        expect(reply).toMatchObject({ octets: size, checksum: 'ok', status: { ok: true } });
      }
      await client.quit();
      expect(sizes).toEqual(source.mailbox('user1')!.sizes);
      expect(latencies.filter((command) => command === 'TOP')).toHaveLength(12);
      expect(latencies).not.toContain('RETR');
    } finally {
      await responder.close();
    }
  });

  it('fails validation when the TOP answer is one byte short of the LIST size', async () => {
    const content = 'Subject: short\r\n\r\nbody line\r\n';
    const lines: string[] = [];
    const port = await scripted('+OK hi\r\n', (line, socket) => {
      lines.push(line);
      socket.write(`+OK\r\n${content.slice(0, -3)}\r\n.\r\n`);
    });
    const client = await Pop3Client.connect(address(port));
    try {
      expect(await kindOf(client.fetch('top', 1, content.length))).toBe('size-mismatch');
      expect(lines).toEqual(['TOP 1 99999999']);
    } finally {
      client.destroy();
    }
  });

  it('reports -ERR to TOP as err-reply naming the command', async () => {
    const port = await scripted('+OK hi\r\n', (_line, socket) => socket.write('-ERR no such message\r\n'));
    const client = await Pop3Client.connect(address(port));
    try {
      await expect(client.fetch('top', 7, 10)).rejects.toThrow('TOP 7 99999999: -ERR no such message');
    } finally {
      client.destroy();
    }
  });
});
