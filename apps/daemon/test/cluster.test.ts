import { rename } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import {
  createFixture,
  DaemonProcess,
  type Fixture,
  killAllDaemons,
  type LogLine,
  makeCertificate,
  poplard,
} from './helpers/poplard.js';

const PASSWORD = 'cluster-test-pw';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.writeConfig();
  await fixture.addUser('alice', PASSWORD);
  await fixture.addUser('bob', PASSWORD);
  for (const subject of ['one', 'two']) expect((await fixture.deliver('alice', crlfMessage(subject))).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

async function startWorkers(name: string, settings: Record<string, unknown> = {}): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start(await fixture.writeConfig({ Workers: 2, ...settings }, `${name}.toml`));
  expect(daemon.logs.find((line) => line.event === 'started')).toMatchObject({ workers: 2 });
  return daemon;
}

/** Each client's own port, which its session line names (a closed socket no longer knows it). */
const clientPorts = new WeakMap<PopClient, number | undefined>();

async function greeted(port: number, localAddress?: string): Promise<PopClient> {
  const client = await PopClient.connect({ port, ...(localAddress === undefined ? {} : { localAddress }) });
  clientPorts.set(client, client.socket.localPort);
  expect(await client.readLine()).toMatch(/^\+OK/);
  return client;
}

/** The worker numbers that logged `event` lines matching `match`. */
function workersOf(daemon: DaemonProcess, event: string, match: (line: LogLine) => boolean = () => true): Set<unknown> {
  return new Set(daemon.logs.filter((line) => line.event === event && match(line)).map((line) => line.worker));
}

/** Waits for the session lines of these clients (closed by now) and returns the workers that served them. */
async function servedBy(daemon: DaemonProcess, clients: readonly PopClient[]): Promise<Set<unknown>> {
  const ports = new Set(clients.map((client) => clientPorts.get(client)));
  const done = (line: LogLine): boolean => line.event === 'session' && ports.has(line.port as number);
  await daemon.waitFor(() => daemon.logs.filter(done).length === ports.size);
  return workersOf(daemon, 'session', done);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The certificate's CN that a pop3s connection sees; the greeting is awaited, so the session is logged. */
function peerSubject(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('data', () => {
      const subject = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(String(subject));
    });
    socket.once('error', reject);
  });
}

describe('Workers = 2', () => {
  it('serves sessions in both workers, one JSON line per event with the worker number', async () => {
    const daemon = await startWorkers('spread');
    try {
      const port = daemon.port('plain');
      expect(daemon.logs.filter((line) => line.event === 'listening')).toHaveLength(2);
      expect(workersOf(daemon, 'worker-started')).toEqual(new Set([1, 2]));
      const clients: PopClient[] = [];
      for (let i = 0; i < 20; i++) {
        const client = await greeted(port);
        await client.login('alice', PASSWORD);
        expect(await client.command('STAT')).toMatch(/^\+OK 2 /);
        expect(await client.command('QUIT')).toMatch(/^\+OK/);
        client.close();
        clients.push(client);
      }
      expect(await servedBy(daemon, clients)).toEqual(new Set([1, 2]));
      // Every line parsed as JSON on its own (the helper throws otherwise), and every session line names its worker.
      const sessions = daemon.logs.filter((line) => line.event === 'session');
      expect(sessions.every((line) => line.worker === 1 || line.worker === 2)).toBe(true);
    } finally {
      await daemon.stop();
    }
  });

  it('holds MaxConnectionFromSingleIP across workers', async () => {
    const daemon = await startWorkers('per-ip', { MaxConnectionFromSingleIP: 3 });
    const held: PopClient[] = [];
    try {
      const port = daemon.port('plain');
      for (let i = 0; i < 3; i++) held.push(await greeted(port));
      for (let i = 0; i < 6; i++) {
        const refused = await PopClient.connect({ port });
        expect(await refused.readLine()).toBe('-ERR BYE Connection refused');
        await refused.waitClosed();
      }
      const refusals = (line: LogLine): boolean => line.setting === 'MaxConnectionFromSingleIP';
      await daemon.waitFor(() => daemon.logs.filter((line) => refusals(line)).length === 6);
      expect(workersOf(daemon, 'connection-refused', refusals)).toEqual(new Set([1, 2]));
      // Another address is not held back.
      const other = await greeted(port, '127.0.0.2');
      other.close();
      held.shift()?.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      held.push(await greeted(port));
      for (const client of held) client.close();
      expect((await servedBy(daemon, held)).size).toBe(2);
    } finally {
      for (const client of held) client.close();
      await daemon.stop();
    }
  });

  it('holds MaxConnectionsPerUser across workers', async () => {
    const daemon = await startWorkers('per-user', { MaxConnectionsPerUser: 2 });
    const clients: PopClient[] = [];
    try {
      const port = daemon.port('plain');
      for (let i = 0; i < 4; i++) clients.push(await greeted(port));
      const [first, second, third, fourth] = clients as [PopClient, PopClient, PopClient, PopClient];
      await first.login('alice', PASSWORD);
      await second.login('alice', PASSWORD);
      for (const refused of [third, fourth]) {
        await refused.command('USER alice');
        expect(await refused.command(`PASS ${PASSWORD}`)).toMatch(/^-ERR/);
      }
      await bobLogsIn(port);
      expect(await first.command('QUIT')).toMatch(/^\+OK/);
      await first.waitClosed();
      await third.command('USER alice');
      expect(await third.command(`PASS ${PASSWORD}`)).toMatch(/^\+OK/);
      for (const client of clients) client.close();
      expect((await servedBy(daemon, clients)).size).toBe(2);
      expect(workersOf(daemon, 'user-limit')).not.toEqual(new Set());
    } finally {
      for (const client of clients) client.close();
      await daemon.stop();
    }
  });

  it('grows the failed-login penalty of an address across workers', async () => {
    const daemon = await startWorkers('penalty', {
      MaxFailedLogins: 1,
      FailedLoginDelay: 0.1,
      FailedLoginPenalty: 0.3,
      FailedLoginPenaltyMax: 5,
      FailedLoginPenaltyDecay: 600,
    });
    try {
      const port = daemon.port('plain');
      const waits: number[] = [];
      // One failure per connection, so consecutive failures land in different workers.
      for (let i = 0; i < 4; i++) {
        const client = await greeted(port);
        await client.command('USER alice');
        const started = performance.now();
        expect(await client.command(`PASS wrong-${i}`)).toMatch(/^-ERR/);
        waits.push(performance.now() - started);
        await client.waitClosed();
      }
      // Base 0.1 s plus 0, 0.3, 0.9, 2.1 s. Lower bounds only: a busy machine is slower, never faster.
      expect(waits[1]).toBeGreaterThanOrEqual(380);
      expect(waits[2]).toBeGreaterThanOrEqual(980);
      expect(waits[3]).toBeGreaterThanOrEqual(2180);
      expect(workersOf(daemon, 'login-failed')).toEqual(new Set([1, 2]));
    } finally {
      await daemon.stop();
    }
  });

  it('reloads the certificate in every worker on SIGHUP', async () => {
    const [cert, key] = [join(fixture.dir, 'reload-cert.pem'), join(fixture.dir, 'reload-key.pem')];
    await makeCertificate(cert, key, '/CN=before.example');
    const daemon = await startWorkers('reload', { TlsCertificateFile: cert, TlsKeyFile: key });
    try {
      const port = daemon.port('tls');
      for (let i = 0; i < 4; i++) expect(await peerSubject(port)).toBe('before.example');
      await makeCertificate(`${cert}.new`, `${key}.new`, '/CN=after.example');
      await rename(`${key}.new`, key);
      await rename(`${cert}.new`, cert);
      await daemon.reload();
      expect(daemon.logs.filter((line) => line.event === 'reloaded').at(-1)).toMatchObject({
        tls: 'reloaded',
        users: 'reloaded',
        workers: 2,
      });
      const before = daemon.logs.filter((line) => line.event === 'session').length;
      for (let i = 0; i < 8; i++) expect(await peerSubject(port)).toBe('after.example');
      await daemon.waitFor(() => daemon.logs.filter((line) => line.event === 'session').length >= before + 8);
      const after = daemon.logs.filter((line) => line.event === 'session').slice(before);
      expect(new Set(after.map((line) => line.worker))).toEqual(new Set([1, 2]));
    } finally {
      await daemon.stop();
    }
  });

  it('drains on SIGTERM: every worker stops accepting, sessions finish or end without UPDATE, exit 0', async () => {
    const daemon = await startWorkers('drain', { ShutdownGracePeriod: 2 });
    const pids = daemon.logs.filter((line) => line.event === 'worker-started').map((line) => line.pid as number);
    const port = daemon.port('plain');
    const live: PopClient[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await greeted(port);
      await client.login('alice', PASSWORD);
      live.push(client);
    }
    const [marked, finisher] = live as [PopClient, PopClient];
    expect(await marked.command('DELE 1')).toMatch(/^\+OK/);
    const started = Date.now();
    daemon.signal('SIGTERM');
    const stopping = await daemon.waitFor((line) => line.event === 'stopping');
    expect(stopping).toMatchObject({ sessions: 2, workers: 2 });
    await expect(PopClient.connect({ port })).rejects.toThrow();
    expect(await finisher.command('NOOP')).toMatch(/^\+OK/);
    expect(await finisher.command('QUIT')).toMatch(/^\+OK/);
    expect(await marked.readLine()).toMatch(/^-ERR/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.at(-1)?.event).toBe('stopped');
    expect(pids.filter(isAlive)).toEqual([]);
    // Nothing the shut-down session marked was deleted.
    const check = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1 }, 'check.toml'));
    try {
      const client = await greeted(check.port('plain'));
      await client.login('alice', PASSWORD);
      expect(await client.command('STAT')).toMatch(/^\+OK 2 /);
      client.close();
    } finally {
      await check.stop();
    }
  });

  it('replaces a worker killed with SIGKILL, gives back what it held, and keeps serving', async () => {
    const daemon = await startWorkers('sigkill', { MaxConnectionFromSingleIP: 2 });
    const port = daemon.port('plain');
    const held: PopClient[] = [];
    try {
      // Round-robin: one connection in each worker.
      for (let i = 0; i < 2; i++) held.push(await greeted(port));
      const victim = daemon.logs.find((line) => line.event === 'worker-started' && line.worker === 2);
      process.kill(victim?.pid as number, 'SIGKILL');
      const exit = await daemon.waitFor((line) => line.event === 'worker-exit');
      expect(exit).toMatchObject({ level: 'error', worker: 2, signal: 'SIGKILL', restartInMs: 500 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(held.filter((client) => client.closed)).toHaveLength(1);
      // Its connection no longer counts: one more from the same address gets in while worker 2 is down.
      const during = await greeted(port);
      await during.login('alice', PASSWORD);
      expect(await during.command('QUIT')).toMatch(/^\+OK/);
      during.close();
      const replaced = await daemon.waitFor(
        (line) => line.event === 'worker-started' && line.worker === 2 && line.pid !== victim?.pid,
      );
      expect(isAlive(replaced.pid as number)).toBe(true);
      for (const client of held) client.close();
      const clients: PopClient[] = [];
      for (let i = 0; i < 6; i++) {
        const client = await greeted(port);
        await client.login('alice', PASSWORD);
        await client.command('QUIT');
        client.close();
        clients.push(client);
      }
      expect(await servedBy(daemon, clients)).toEqual(new Set([1, 2]));
    } finally {
      for (const client of held) client.close();
      await daemon.stop();
    }
  });

  it('logs every failed restart with a growing delay until a worker can start again', async () => {
    const daemon = await startWorkers('crash-loop');
    const away = `${fixture.usersFile}.away`;
    try {
      // A replacement cannot start without its users file (the running worker keeps the one it read).
      await rename(fixture.usersFile, away);
      const victim = daemon.logs.find((line) => line.event === 'worker-started' && line.worker === 1);
      process.kill(victim?.pid as number, 'SIGKILL');
      const exits = (): LogLine[] => daemon.logs.filter((line) => line.event === 'worker-exit');
      await daemon.waitFor(() => exits().length >= 3, 15_000);
      expect(exits().map((line) => line.restartInMs)).toEqual([500, 1000, 2000]);
      const failed = await daemon.waitFor((line) => line.event === 'worker-failed');
      expect(failed).toMatchObject({ level: 'error', worker: 1 });
      expect(failed.message).toMatch(/UsersFile/);
      // The other worker serves meanwhile.
      const client = await greeted(daemon.port('plain'));
      client.close();
      await rename(away, fixture.usersFile);
      await daemon.waitFor(
        (line) => line.event === 'worker-started' && line.worker === 1 && line.pid !== victim?.pid,
        15_000,
      );
    } finally {
      await rename(away, fixture.usersFile).catch(() => {});
      await daemon.stop();
    }
  });

  it('fails to start as one process would, with the same message and exit code', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const busy = (taken.address() as { port: number }).port;
    try {
      const configFile = await fixture.writeConfig(
        { Workers: 2, UnencryptedOrTLSBindings: [`127.0.0.1:${busy}`] },
        'busy.toml',
      );
      const result = await poplard(['serve', '--config', configFile]);
      expect(result.code).toBe(70);
      expect(result.stderr).toContain(`poplard: UnencryptedOrTLSBindings: cannot listen on 127.0.0.1:${busy}`);
      expect(result.stderr).toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });
});

describe('Workers = 1', () => {
  it('serves in one process, without workers', async () => {
    const daemon = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1 }, 'single.toml'));
    try {
      expect(daemon.logs.find((line) => line.event === 'started')).toMatchObject({ pid: daemon.child.pid });
      const client = await greeted(daemon.port('plain'));
      await client.login('alice', PASSWORD);
      await client.command('QUIT');
      client.close();
      const session = await daemon.waitFor((line) => line.event === 'session');
      expect(session.worker).toBeUndefined();
      expect(daemon.logs.some((line) => line.event === 'worker-started')).toBe(false);
    } finally {
      await daemon.stop();
    }
  });
});

async function bobLogsIn(port: number): Promise<void> {
  const client = await greeted(port);
  await client.login('bob', PASSWORD);
  client.close();
}
