import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from './helpers/poplard.js';

const PASSWORD = 'right-password';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.addUser('alice', PASSWORD);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

/** Time from PASS to its answer, and the answer. */
async function timedPass(client: PopClient, password: string): Promise<{ ms: number; reply: string }> {
  await client.command('USER alice');
  const started = performance.now();
  const reply = await client.command(`PASS ${password}`);
  return { ms: performance.now() - started, reply };
}

describe('password guessing', () => {
  it('is slowed, more so with each failure from one address, and cut off at MaxFailedLogins', async () => {
    const configFile = await fixture.writeConfig(
      {
        MaxFailedLogins: 3,
        FailedLoginDelay: 0.2,
        FailedLoginPenalty: 0.5,
        FailedLoginPenaltyMax: 3,
        FailedLoginPenaltyDecay: 600,
      },
      'guessing.toml',
    );
    const daemon = await DaemonProcess.start(configFile);
    try {
      const client = await PopClient.connect({ port: daemon.port('plain') });
      await client.readLine();
      const first = await timedPass(client, 'guess-1');
      const second = await timedPass(client, 'guess-2');
      expect(first.reply).toMatch(/^-ERR/);
      expect(first.ms).toBeGreaterThanOrEqual(180);
      // Base delay 0.2 s plus, per failure from this address, 0, 0.5, 1.5, then 3 s (the cap). Only lower bounds:
      // a busy machine makes answers slower, never faster.
      expect(second.ms).toBeGreaterThanOrEqual(690);
      const third = await timedPass(client, 'guess-3');
      expect(third.reply).toMatch(/^-ERR/);
      expect(third.ms).toBeGreaterThanOrEqual(1690);
      await client.waitClosed();

      // The penalty belongs to the address, so a new connection does not start from zero.
      const again = await PopClient.connect({ port: daemon.port('plain') });
      await again.readLine();
      const fourth = await timedPass(again, 'guess-4');
      expect(fourth.ms).toBeGreaterThanOrEqual(3190);
      again.close();

      const line = await daemon.waitFor((entry) => entry.event === 'session' && entry.failedLogins === 3);
      expect(line.end).toBe('limit');
      expect(JSON.stringify(daemon.logs)).not.toContain('guess-');
    } finally {
      await daemon.stop();
    }
  });
});

describe('connection flood', () => {
  it('refuses one address past MaxConnectionFromSingleIP while another address still gets in', async () => {
    const configFile = await fixture.writeConfig({ MaxConnectionFromSingleIP: 3 }, 'flood.toml');
    const daemon = await DaemonProcess.start(configFile);
    const clients: PopClient[] = [];
    try {
      const port = daemon.port('plain');
      for (let i = 0; i < 3; i += 1) {
        const client = await PopClient.connect({ port });
        expect(await client.readLine()).toMatch(/^\+OK/);
        clients.push(client);
      }
      for (let i = 0; i < 5; i += 1) {
        const refused = await PopClient.connect({ port });
        expect(await refused.readLine()).toBe('-ERR BYE Connection refused');
        await refused.waitClosed();
      }
      const other = await PopClient.connect({ port, localAddress: '127.0.0.2' });
      expect(await other.readLine()).toMatch(/^\+OK/);
      await other.login('alice', PASSWORD);
      clients.push(other);

      // Once a connection from the flooding address ends, it may connect again.
      clients.shift()?.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = await PopClient.connect({ port });
      expect(await next.readLine()).toMatch(/^\+OK/);
      clients.push(next);
      expect(daemon.logs.filter((line) => line.event === 'connection-refused')).toHaveLength(5);
    } finally {
      for (const client of clients) client.close();
      await daemon.stop();
    }
  });

  it('refuses past MaxConnections, on the implicit-TLS port too', async () => {
    const configFile = await fixture.writeConfig({ MaxConnections: 2 }, 'max.toml');
    const daemon = await DaemonProcess.start(configFile);
    const clients: PopClient[] = [];
    try {
      for (let i = 0; i < 2; i += 1) {
        const client = await PopClient.connect({ port: daemon.port('plain'), localAddress: `127.0.0.${i + 3}` });
        expect(await client.readLine()).toMatch(/^\+OK/);
        clients.push(client);
      }
      const refused = await PopClient.connect({ port: daemon.port('tls'), tls: true, localAddress: '127.0.0.9' });
      expect(await refused.readLine()).toBe('-ERR BYE Connection refused');
      refused.close();
    } finally {
      for (const client of clients) client.close();
      await daemon.stop();
    }
  });

  it('refuses a user past MaxConnectionsPerUser with [IN-USE]-style -ERR', async () => {
    const configFile = await fixture.writeConfig({ MaxConnectionsPerUser: 1 }, 'per-user.toml');
    const daemon = await DaemonProcess.start(configFile);
    try {
      const first = await PopClient.connect({ port: daemon.port('plain') });
      await first.readLine();
      await first.login('alice', PASSWORD);
      const second = await PopClient.connect({ port: daemon.port('plain') });
      await second.readLine();
      await second.command('USER alice');
      expect(await second.command(`PASS ${PASSWORD}`)).toMatch(/^-ERR/);
      await first.command('QUIT');
      first.close();
      second.close();
      await daemon.waitFor((line) => line.event === 'user-limit');
    } finally {
      await daemon.stop();
    }
  });
});
