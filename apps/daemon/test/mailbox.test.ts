import { existsSync } from 'node:fs';
import { readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage, maildirFiles, secondFields } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, poplard } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'pw-for-mailbox-tests';

let fixture: Fixture;
let daemon: DaemonProcess;
let port: number;
let configFile: string;

async function session(user: string): Promise<PopClient> {
  const client = await PopClient.connect({ port });
  expect(await client.readLine()).toMatch(/^\+OK/);
  await client.login(user, PASSWORD);
  return client;
}

async function uids(user: string): Promise<string[]> {
  const client = await session(user);
  const { lines } = await client.multiline('UIDL');
  await client.command('QUIT');
  client.close();
  return secondFields(lines);
}

async function addUserWith(user: string, count: number): Promise<void> {
  await fixture.addUser(user, PASSWORD);
  for (let i = 1; i <= count; i += 1) expect((await fixture.deliver(user, crlfMessage(`${user} ${i}`))).code).toBe(0);
  await daemon.reload();
}

beforeAll(async () => {
  fixture = await createFixture();
  configFile = await fixture.writeConfig();
  daemon = await DaemonProcess.start(configFile);
  port = daemon.port('plain');
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

describe('maildrop semantics', () => {
  it('curl -X "DELE 1" -I removes exactly that message and keeps the other UIDLs', async () => {
    await addUserWith('dele', 3);
    const before = await uids('dele');
    const result = await runTool('curl', [
      '-sS',
      '--max-time',
      '15',
      `pop3://127.0.0.1:${port}/`,
      '-u',
      `dele:${PASSWORD}`,
      '-X',
      'DELE 1',
      '-I',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(await uids('dele')).toEqual(before.slice(1));
  });

  it('lets two sessions of one user run at once', async () => {
    await addUserWith('twice', 2);
    const a = await session('twice');
    const b = await session('twice');
    expect(await a.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await b.command('STAT')).toMatch(/^\+OK 2 /);
    expect((await b.multiline('RETR 1')).lines).toContain('Subject: twice 1');
    expect(await a.command('QUIT')).toMatch(/^\+OK/);
    expect(await b.command('QUIT')).toMatch(/^\+OK/);
    a.close();
    b.close();
  });

  it('keeps mail delivered during a session invisible until the next login', async () => {
    await addUserWith('late', 1);
    const client = await session('late');
    expect((await fixture.deliver('late', crlfMessage('late arrival'))).code).toBe(0);
    expect(await client.command('STAT')).toMatch(/^\+OK 1 /);
    expect((await client.multiline('LIST')).lines).toHaveLength(1);
    await client.command('QUIT');
    client.close();
    expect(await uids('late')).toHaveLength(2);
  });

  it('answers -ERR for a message removed behind the session and goes on', async () => {
    await addUserWith('gone', 2);
    const client = await session('gone');
    const files = await maildirFiles(fixture.mailRoot, 'gone');
    expect(files).toHaveLength(2);
    const first = (await client.multiline('TOP 1 0')).lines.find((line) => line.startsWith('Subject:'));
    expect(first).toBe('Subject: gone 1');
    for (const file of files) if ((await readFile(file, 'latin1')).includes('Subject: gone 1')) await unlink(file);
    expect(await client.command('RETR 1')).toMatch(/^-ERR/);
    const second = await client.multiline('RETR 2');
    expect(second.status).toMatch(/^\+OK/);
    expect(second.lines).toContain('Subject: gone 2');
    expect(await client.command('NOOP')).toMatch(/^\+OK/);
    await client.command('QUIT');
    client.close();
  });

  it('logs a Maildir it cannot tidy after a session, and the session ends normally', async () => {
    await addUserWith('untidy', 1);
    const maildir = join(fixture.mailRoot, 'untidy', 'Maildir');
    const client = await session('untidy');
    expect((await client.multiline('RETR 1')).lines).toContain('Subject: untidy 1');
    // Broken behind the session's back; the tidy after it ends cannot read tmp/ then.
    await rm(join(maildir, 'tmp'), { recursive: true });
    await writeFile(join(maildir, 'tmp'), 'a file where the tmp/ folder belongs');
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    client.close();
    const warning = await daemon.waitFor((line) => line.event === 'tidy-failed');
    expect(warning).toMatchObject({ level: 'warn', maildir });
    expect(warning.message).toMatch(/cannot clean .*tmp/);
  });
});

describe('crash safety', () => {
  it('SIGKILL mid-session removes nothing', async () => {
    await addUserWith('killed', 3);
    const client = await session('killed');
    expect(await client.command('DELE 1')).toMatch(/^\+OK/);
    expect(await client.command('DELE 2')).toMatch(/^\+OK/);
    daemon.signal('SIGKILL');
    await daemon.exited;
    client.close();
    expect(await maildirFiles(fixture.mailRoot, 'killed')).toHaveLength(3);
    daemon = await DaemonProcess.start(configFile);
    port = daemon.port('plain');
    expect(await uids('killed')).toHaveLength(3);
  });

  it('SIGKILL mid-QUIT never removes an unmarked message', async () => {
    await fixture.addUser('quitkill', PASSWORD);
    await daemon.reload();
    const total = 40;
    // A few delivery processes at a time: each is a Node process, and the machine may have two cores.
    for (let i = 0; i < total; i += 8) {
      const batch = Array.from({ length: 8 }, (_, j) =>
        fixture.deliver('quitkill', crlfMessage(`quitkill ${i + j + 1}`)),
      );
      for (const result of await Promise.all(batch)) expect(result.code, result.stderr).toBe(0);
    }
    const before = await uids('quitkill');
    expect(before).toHaveLength(total);
    const client = await session('quitkill');
    const marked = Math.floor(total / 2);
    client.write(Array.from({ length: marked }, (_, i) => `DELE ${i + 1}\r\n`).join(''));
    for (let i = 0; i < marked; i += 1) expect(await client.readLine()).toMatch(/^\+OK/);
    client.write('QUIT\r\n');
    daemon.signal('SIGKILL');
    await daemon.exited;
    client.close();
    daemon = await DaemonProcess.start(configFile);
    port = daemon.port('plain');
    const after = await uids('quitkill');
    // Every unmarked message is still there; marked ones may or may not be gone.
    expect(after).toEqual(expect.arrayContaining(before.slice(marked)));
    expect(after.every((uid) => before.includes(uid))).toBe(true);
  });
});

describe('delivery', () => {
  it('concurrent deliveries from several processes never duplicate or reuse a UID', async () => {
    await addUserWith('busy', 2);
    const first = await uids('busy');
    // Delete both, so their UIDs could be reused by a careless store.
    const client = await session('busy');
    await client.command('DELE 1');
    await client.command('DELE 2');
    await client.command('QUIT');
    client.close();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => fixture.deliver('busy', crlfMessage(`busy parallel ${i}`))),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const after = await uids('busy');
    expect(after).toHaveLength(12);
    expect(new Set(after).size).toBe(12);
    for (const uid of first) expect(after).not.toContain(uid);
  });

  it('refuses input that is not a message with exit code 65 and leaves no file', async () => {
    await fixture.addUser('strict', PASSWORD);
    for (const garbage of ['', 'just some words\nand more\n', '\0\x01\x02binary', ' continuation first\n\nbody']) {
      const result = await fixture.deliver('strict', garbage);
      expect(result.code).toBe(65);
      expect(result.stderr).toMatch(/poplard: /);
    }
    const maildir = join(fixture.mailRoot, 'strict', 'Maildir');
    for (const folder of ['tmp', 'new', 'cur'])
      expect(await readdir(join(maildir, folder)).catch(() => [])).toEqual([]);
  });

  it('refuses an unknown user with exit code 67', async () => {
    const result = await fixture.deliver('nobody', crlfMessage('lost'));
    expect(result.code).toBe(67);
    expect(existsSync(join(fixture.mailRoot, 'nobody'))).toBe(false);
  });

  it('reads the message from --file', async () => {
    await fixture.addUser('fromfile', PASSWORD);
    await daemon.reload();
    const file = join(fixture.dir, 'message.eml');
    await writeFile(file, crlfMessage('from a file'));
    const result = await poplard(['deliver', 'fromfile', '--config', configFile, '--file', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(await uids('fromfile')).toHaveLength(1);
  });
});

describe('hostile user names', () => {
  it('never touch anything outside the mail root, over POP3 or through deliver', async () => {
    const outside = join(fixture.dir, 'etc');
    for (const name of ['../../etc', '../etc', '..', '/etc', 'a/../../etc']) {
      const client = await PopClient.connect({ port });
      await client.readLine();
      expect(await client.command(`USER ${name}`)).toMatch(/^\+OK/);
      expect(await client.command(`PASS ${PASSWORD}`)).toMatch(/^-ERR/);
      client.close();
      const result = await fixture.deliver(name, crlfMessage('escape'));
      expect(result.code).not.toBe(0);
    }
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(fixture.dir, '..', 'etc', 'Maildir'))).toBe(false);
    expect((await readdir(fixture.dir)).sort()).not.toContain('etc');
  });
});
