import { once } from 'node:events';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ConnectionRefusal } from './connection-limiter.js';
import { LocalPolicy } from './local-policy.js';
import { Logger } from './logger.js';
import { PopServer, type SessionRunner } from './pop-server.js';
import { REFUSAL_LINE, unavailableLine } from './refusal.js';
import { SessionPolicy } from './session-policy.js';
import type { SharedPolicy, Unavailable } from './shared-policy.js';

const SETTINGS = {
  maxConnections: 10,
  maxConnectionFromSingleIP: 10,
  maxConnectionsPerUser: 1,
  penalty: { stepMs: 0, maxMs: 0, decayMs: 1000, tableSize: 10 },
};

/** A session that greets and ends, standing in for the engine. */
const greeter: SessionRunner = {
  async run(stream) {
    stream.end('+OK hello\r\n');
    return { user: undefined, commands: 0, retrieved: 0, deleted: 0, bytesIn: 0, bytesOut: 11, end: 'closed' };
  },
};

/** A server on 127.0.0.1 with these limits; its log lines are gathered. */
async function serverWith(limits: SharedPolicy) {
  const out = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  out.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
  });
  const logger = new Logger(out);
  const server = new PopServer({
    runner: greeter,
    policy: new SessionPolicy(limits, logger),
    limits,
    logger,
    tls: undefined,
    handshakeTimeoutMs: 1000,
    refusal: REFUSAL_LINE,
    unavailable: unavailableLine(true),
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 }, 'plain');
  return { server, port, lines };
}

/** Everything the server sends on one connection until it closes. */
async function exchange(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  await once(socket, 'close');
  return received;
}

describe('PopServer connection limits', () => {
  it('gives a temporary -ERR when the limits cannot be checked, and counts nothing', async () => {
    const local = new LocalPolicy(SETTINGS);
    let released = 0;
    const stalled: SharedPolicy = {
      acquireConnection: async (): Promise<ConnectionRefusal | Unavailable | null> => 'unavailable',
      releaseConnection: () => {
        released += 1;
      },
      acquireUser: (user) => local.acquireUser(user),
      releaseUser: (user) => local.releaseUser(user),
      loginFailed: (address) => local.loginFailed(address),
    };
    const { server, port, lines } = await serverWith(stalled);
    try {
      expect(await exchange(port)).toBe('-ERR [SYS/TEMP] Server Unavailable. 21\r\n');
      expect(lines).toContainEqual(
        expect.objectContaining({ event: 'connection-refused', address: '127.0.0.1', reason: 'limits-unavailable' }),
      );
      expect(released).toBe(0);
    } finally {
      await server.close(0);
    }
  });

  it('releases each connection it was granted once the session ends', async () => {
    const local = new LocalPolicy({ ...SETTINGS, maxConnections: 1 });
    const { server, port } = await serverWith(local);
    try {
      // With room for one connection, each one only gets in after the previous one was given back.
      for (let i = 0; i < 3; i++) {
        expect(await exchange(port)).toBe('+OK hello\r\n');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await local.acquireConnection('192.0.2.1')).toBeNull();
      expect(await local.acquireConnection('192.0.2.2')).toBe('MaxConnections');
    } finally {
      await server.close(0);
    }
  });
});
