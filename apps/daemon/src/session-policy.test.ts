import { PassThrough } from 'node:stream';
import type { ConnectionInfo } from '@poplar/session';
import { describe, expect, it } from 'vitest';
import { LocalPolicy } from './local-policy.js';
import { Logger } from './logger.js';
import { SessionPolicy } from './session-policy.js';
import type { SharedPolicy } from './shared-policy.js';

const CONNECTION: ConnectionInfo = { id: 'c1', remoteAddress: '192.0.2.5', secure: true };
const IDENTITY = { user: 'alice', mechanism: 'USER' };
const SETTINGS = {
  maxConnections: 10,
  maxConnectionFromSingleIP: 10,
  maxConnectionsPerUser: 1,
  penalty: { stepMs: 1000, maxMs: 5000, decayMs: 60_000, tableSize: 10 },
};

function logged(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const lines = () => text.split('\n').flatMap((line) => (line === '' ? [] : [JSON.parse(line)]));
  return { logger: new Logger(out, { worker: 3 }), lines };
}

describe('SessionPolicy', () => {
  it('takes MaxConnectionsPerUser and the penalty from the shared policy, and logs a refusal', async () => {
    const { logger, lines } = logged();
    const policy = new SessionPolicy(new LocalPolicy(SETTINGS, () => 0), logger);
    expect(await policy.acquireUser(IDENTITY, CONNECTION)).toBe(true);
    expect(await policy.acquireUser(IDENTITY, CONNECTION)).toBe(false);
    policy.releaseUser(IDENTITY, CONNECTION);
    expect(await policy.acquireUser(IDENTITY, CONNECTION)).toBe(true);
    expect([await policy.loginFailed(CONNECTION, 'x'), await policy.loginFailed(CONNECTION, 'x')]).toEqual([0, 1000]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines()).toEqual([
      expect.objectContaining({
        event: 'user-limit',
        worker: 3,
        id: 'c1',
        user: 'alice',
        setting: 'MaxConnectionsPerUser',
      }),
    ]);
  });

  it('rejects a login it cannot check in time, so the session answers a temporary error', async () => {
    const { logger } = logged();
    const local = new LocalPolicy(SETTINGS);
    const stalled: SharedPolicy = {
      acquireConnection: (address) => local.acquireConnection(address),
      releaseConnection: (address) => local.releaseConnection(address),
      acquireUser: async () => 'unavailable',
      releaseUser: (user) => local.releaseUser(user),
      loginFailed: (address) => local.loginFailed(address),
    };
    const policy = new SessionPolicy(stalled, logger);
    await expect(policy.acquireUser(IDENTITY, CONNECTION)).rejects.toThrow('could not be checked in time');
  });
});
