import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { CLI, createFixture, DaemonProcess, type Fixture, killAllDaemons, poplard } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'lifecycle pw';

let fixture: Fixture;
let configFile: string;

beforeAll(async () => {
  fixture = await createFixture();
  configFile = await fixture.writeConfig();
  await fixture.addUser('alice', PASSWORD);
  expect((await fixture.deliver('alice', crlfMessage('kept'))).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

describe('configuration errors', () => {
  it('stop start-up with the setting and its line', async () => {
    const bad = join(fixture.dir, 'bad.toml');
    await writeFile(bad, `MailRoot = "${fixture.mailRoot}"\nUsersFile = "${fixture.usersFile}"\n\nMaxConections = 5\n`);
    const unknown = await poplard(['serve', '--config', bad]);
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toBe(`poplard: ${bad}:4: MaxConections: unknown setting\n`);

    await writeFile(
      bad,
      `MailRoot = "${fixture.mailRoot}"\nUsersFile = "${fixture.usersFile}"\nAuthenticatedConnectionTimeout = 100000\n`,
    );
    const range = await poplard(['serve', '--config', bad]);
    expect(range.code).toBe(78);
    expect(range.stderr).toContain(`${bad}:3: AuthenticatedConnectionTimeout: must be between 30 and 86400`);

    await writeFile(bad, 'MailRoot = \n');
    const syntax = await poplard(['serve', '--config', bad]);
    expect(syntax.code).toBe(78);
    expect(syntax.stderr).toContain(`${bad}:1: TOML syntax error`);
  });
});

describe('users', () => {
  it('adds, lists, disables, enables, changes and removes users; never takes a password from argv', async () => {
    expect((await poplard(['user', 'add', 'carol', '--config', configFile], 'carol-pw\n')).code).toBe(0);
    expect((await poplard(['user', 'add', 'carol', '--config', configFile], 'again\n')).code).not.toBe(0);
    const listed = await poplard(['user', 'list', '--json', '--config', configFile]);
    const users = JSON.parse(listed.stdout.toString()) as Array<{ user: string; disabled: boolean }>;
    expect(users.map((user) => user.user).sort()).toEqual(['alice', 'carol', 'postmaster']);
    expect(listed.stdout.toString()).not.toContain('carol-pw');
    expect((await stat(fixture.usersFile)).mode & 0o777).toBe(0o600);

    const daemon = await DaemonProcess.start(configFile);
    const login = async (password: string): Promise<string> => {
      const client = await PopClient.connect({ port: daemon.port('plain') });
      await client.readLine();
      await client.command('USER carol');
      const reply = await client.command(`PASS ${password}`);
      client.close();
      return reply;
    };
    try {
      expect(await login('carol-pw')).toMatch(/^\+OK/);
      expect((await poplard(['user', 'disable', 'carol', '--config', configFile])).code).toBe(0);
      await daemon.reload();
      expect(await login('carol-pw')).toMatch(/^-ERR/);
      expect((await poplard(['user', 'enable', 'carol', '--config', configFile])).code).toBe(0);
      expect((await poplard(['user', 'passwd', 'carol', '--config', configFile], 'new-carol-pw\n')).code).toBe(0);
      await daemon.reload();
      expect(await login('new-carol-pw')).toMatch(/^\+OK/);
      expect(await login('carol-pw')).toMatch(/^-ERR/);
    } finally {
      await daemon.stop();
    }
    expect((await poplard(['user', 'del', 'carol', '--config', configFile])).code).toBe(0);
    expect((await poplard(['user', 'del', 'carol', '--config', configFile])).code).toBe(67);
    const usage = await poplard(['user', 'add', 'dave', 'secret', '--config', configFile]);
    expect(usage.code).toBe(64);
  });
});

describe('password prompt', () => {
  it('asks twice on a terminal with echo off', async () => {
    // A pseudo-terminal from Python's pty module stands in for a person at a terminal.
    const script = [
      'import os, pty, sys, time',
      'pid, fd = pty.fork()',
      'if pid == 0:',
      '    os.execv(sys.argv[1], sys.argv[1:])',
      'out = b""',
      'def until(text):',
      '    global out',
      '    deadline = time.time() + 15',
      '    while text not in out and time.time() < deadline:',
      '        try: out += os.read(fd, 1024)',
      '        except OSError: break',
      'until(b"Password: "); os.write(fd, b"tty-secret\\r")',
      'until(b"Retype password: "); os.write(fd, b"tty-secret\\r")',
      'until(b"added")',
      'os.waitpid(pid, 0)',
      'sys.stdout.write(out.decode())',
    ].join('\n');
    const file = join(fixture.dir, 'password-prompt.py');
    await writeFile(file, script);
    const result = await runTool('python3', [
      file,
      process.execPath,
      CLI,
      'user',
      'add',
      'ttyuser',
      '--config',
      configFile,
    ]);
    const screen = result.stdout.toString();
    expect(screen).toContain('Password: ');
    expect(screen).toContain('Retype password: ');
    expect(screen).toContain('added ttyuser');
    expect(screen).not.toContain('tty-secret');

    const daemon = await DaemonProcess.start(configFile);
    try {
      const client = await PopClient.connect({ port: daemon.port('plain') });
      await client.readLine();
      await client.login('ttyuser', 'tty-secret');
      client.close();
    } finally {
      await daemon.stop();
    }
  });
});

describe('listeners', () => {
  it('listen on IPv6 and IPv4 addresses at once', async () => {
    const daemon = await DaemonProcess.start(
      await fixture.writeConfig({ UnencryptedOrTLSBindings: ['127.0.0.1:0', '[::1]:0'] }, 'ipv6.toml'),
    );
    try {
      const listeners = daemon.logs.filter((line) => line.event === 'listening' && line.kind === 'plain');
      expect(listeners.map((line) => line.address)).toEqual(['127.0.0.1', '::1']);
      const port = listeners[1]?.port as number;
      const result = await runTool('curl', [
        '-sS',
        '--max-time',
        '10',
        `pop3://[::1]:${port}/`,
        '-u',
        `alice:${PASSWORD}`,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.toString()).toMatch(/^1 \d+\r\n$/);
    } finally {
      await daemon.stop();
    }
  });
});

describe('logs and shutdown', () => {
  it('logs one line per session without secrets; SIGTERM lets sessions finish, then ends them, exit 0', async () => {
    const daemon = await DaemonProcess.start(configFile);
    const port = daemon.port('plain');
    const done = await PopClient.connect({ port });
    await done.readLine();
    await done.login('alice', PASSWORD);
    await done.command('RETR 1');
    await done.command('QUIT');
    done.close();
    const line = await daemon.waitFor((entry) => entry.event === 'session' && entry.user === 'alice');
    expect(line).toMatchObject({ level: 'info', address: '127.0.0.1', end: 'quit', retrieved: 1, listener: 'plain' });
    expect(line.bytesOut).toBeGreaterThan(0);

    const live = await PopClient.connect({ port });
    await live.readLine();
    await live.login('alice', PASSWORD);
    await live.command('DELE 1');
    const finisher = await PopClient.connect({ port });
    await finisher.readLine();
    await finisher.login('alice', PASSWORD);
    const started = Date.now();
    daemon.signal('SIGTERM');
    await daemon.waitFor((entry) => entry.event === 'stopping');
    // No new connections once stopping, but a session may still finish normally within the grace period.
    await expect(PopClient.connect({ port })).rejects.toThrow();
    expect(await finisher.command('NOOP')).toMatch(/^\+OK/);
    expect(await finisher.command('QUIT')).toMatch(/^\+OK/);
    finisher.close();
    // The grace period (2 s in the fixture) passes, then the session is ended with an -ERR and no UPDATE.
    expect(await live.readLine()).toMatch(/^-ERR/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(daemon.logs.some((entry) => entry.event === 'session' && entry.end === 'shutdown')).toBe(true);
    expect(JSON.stringify(daemon.logs)).not.toContain(PASSWORD);

    const restarted = await DaemonProcess.start(configFile);
    const check = await PopClient.connect({ port: restarted.port('plain') });
    await check.readLine();
    await check.login('alice', PASSWORD);
    expect(await check.command('STAT')).toMatch(/^\+OK 1 /);
    check.close();
    await restarted.stop();
  });
});

describe.each([1, 2])('a SIGHUP while poplard starts (Workers = %i)', (workers) => {
  it('neither ends it nor is lost: the reload is made once it is up', async () => {
    const daemon = DaemonProcess.spawn(await fixture.writeConfig({ Workers: workers }, `hup-${workers}.toml`));
    try {
      // "starting" is logged before anything is opened: the whole start-up is still ahead.
      await daemon.waitFor((line) => line.event === 'starting', 15_000);
      daemon.child.kill('SIGHUP');
      await daemon.waitFor((line) => line.event === 'reloaded', 15_000);
      const events = daemon.logs.map((line) => line.event);
      expect(events.indexOf('started')).toBeGreaterThan(0);
      expect(events.indexOf('reloaded')).toBeGreaterThan(events.indexOf('started'));
      const client = await PopClient.connect({ port: daemon.port('plain') });
      expect(await client.readLine()).toMatch(/^\+OK/);
      client.close();
    } finally {
      await daemon.stop();
    }
  });
});
