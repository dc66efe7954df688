import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeLoopbacks, loopback } from '../test/loopback.js';
import { socketFdOf } from './socket-fd-of.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-sendfile-tls-'));
afterEach(closeLoopbacks);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Node's internal descriptor, read directly: the precondition that makes the TLS case meaningful. */
function handleFd(socket: Socket): unknown {
  return (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
}

describe('socketFdOf', () => {
  it('gives the descriptor of a plain connected TCP socket', async () => {
    const { sender, receiver } = await loopback();
    const fd = socketFdOf(sender);
    expect(fd).toBeTypeOf('number');
    expect(fstatSync(fd as number).isSocket()).toBe(true);
    const other = socketFdOf(receiver.socket);
    expect(other).toBeTypeOf('number');
    expect(other).not.toBe(fd);
  });

  it('gives undefined for a destroyed socket', async () => {
    const { sender } = await loopback();
    expect(socketFdOf(sender)).toBeTypeOf('number');
    sender.destroy();
    expect(socketFdOf(sender)).toBeUndefined();
  });

  it('gives undefined for a socket that never connected', () => {
    expect(socketFdOf(new Socket())).toBeUndefined();
  });

  it.skipIf(!opensslAvailable())(
    'gives undefined for a TLS socket, although Node has a descriptor under it',
    async () => {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=localhost',
          '-days',
          '1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      );
      const server = createTlsServer({
        key: readFileSync(key),
        cert: readFileSync(cert),
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
      const { port } = server.address() as { port: number };
      const client = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      try {
        await once(client, 'secureConnect');
        const [serverSide] = await accepted;
        for (const socket of [client, serverSide]) {
          expect(handleFd(socket)).toBeGreaterThanOrEqual(0);
          expect(socketFdOf(socket)).toBeUndefined();
        }
        serverSide.destroy();
      } finally {
        client.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  it('gives undefined while a socket is still connecting', async () => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = netConnect(port, '127.0.0.1');
    try {
      // After Node's connect(2), which it makes on the next tick: a descriptor exists, the connection does not.
      await new Promise((resolve) => process.nextTick(resolve));
      expect(client.connecting).toBe(true);
      expect(handleFd(client)).toBeGreaterThanOrEqual(0);
      expect(socketFdOf(client)).toBeUndefined();
      await once(client, 'connect');
      expect(socketFdOf(client)).toBeTypeOf('number');
    } finally {
      client.destroy();
      server.close();
    }
  });
});
