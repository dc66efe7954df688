import { lstat, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from '../helpers/messages.js';
import { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons, poplard } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { listing, openSession, retrieve } from './helpers/pop-mailbox.js';

const PASSWORD = 'confined pw';
/** Names that try to leave the mail root, name devices, or are odd. */
const HOSTILE_NAMES = [
  '../../etc',
  '..',
  '.',
  '/dev/null',
  '/etc/passwd',
  'a/../b',
  'a/b',
  'a\\b',
  'CON',
  'NUL',
  'a\0b',
  '\0',
  '-rf',
  '.hidden',
  'x'.repeat(5000),
];
const SECRET = 'TOP-SECRET-OUTSIDE-THE-MAILDIR';

let fixture: Fixture;
let configFile: string;
let daemon: DaemonProcess;
let outside: string;
const figures = { hostileNames: HOSTILE_NAMES.length, symlinkCases: 0 };

beforeAll(async () => {
  fixture = await createFixture();
  configFile = await fixture.writeConfig({ Mechanisms: ['PLAIN'] }, 'confine.toml');
  for (const user of ['alice', 'bob', 'carol', 'dave']) await fixture.addUser(user, PASSWORD);
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    expect((await fixture.deliver(user, crlfMessage(`${user} own`))).code).toBe(0);
  }
  outside = join(fixture.dir, 'outside.eml');
  await writeFile(outside, crlfMessage(SECRET));
  daemon = await DaemonProcess.start(configFile);
});

afterAll(async () => {
  await killAllDaemons();
  reportFigures('confinement', figures);
  await fixture?.cleanup();
});

const maildirOf = (user: string): string => join(fixture.mailRoot, user, 'Maildir');

/** Everything under a directory, as relative paths (to see that nothing was created anywhere unexpected). */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(entry.parentPath, entry.name).slice(dir.length));
  }
  return out.sort();
}

describe('user names that try to escape the mail root', () => {
  it('are refused at login (USER/PASS and AUTH PLAIN) with the answer any unknown user gets', async () => {
    const before = await tree(fixture.dir);
    const unknown = await loginReply('nosuchuser', PASSWORD);
    for (const name of HOSTILE_NAMES) {
      const reply = await loginReply(name, PASSWORD);
      // A name the line cannot even carry (NUL, too long) is refused as a bad line instead.
      expect(
        [unknown, '-ERR Protocol error. 17', '-ERR Protocol error. 10'],
        JSON.stringify(name.slice(0, 20)),
      ).toContain(reply);
      const plain = Buffer.from(`\0${name}\0${PASSWORD}`).toString('base64');
      const client = await PopClient.connect({ port: daemon.port('plain') });
      await client.readLine();
      expect(await client.command(`AUTH PLAIN ${plain}`)).toMatch(/^-ERR/);
      client.close();
    }
    expect(await tree(fixture.dir)).toEqual(before);
  });

  it('are refused by "user add" and "deliver", and nothing is created outside the mail root', async () => {
    const before = await tree(fixture.dir);
    // The refusals write nothing, so they can run side by side; CON and NUL are added one after the other.
    const refused = HOSTILE_NAMES.filter((name) => !name.includes('\0') && name !== 'CON' && name !== 'NUL');
    await Promise.all(
      refused.map(async (name) => {
        // After "--", so that the name itself is checked, not taken as an option.
        const added = await poplard(['user', 'add', '--config', configFile, '--', name], `${PASSWORD}\n`);
        expect(added.code, name.slice(0, 20)).not.toBe(0);
        expect(added.stderr).toMatch(/^poplard: /);
        const delivered = await poplard(['deliver', '--config', configFile, '--', name], crlfMessage('escape'));
        expect(delivered.code).toBe(67);
      }),
    );
    // CON and NUL are ordinary names on this system: accepted, and their Maildir is a plain directory.
    for (const name of ['CON', 'NUL']) {
      expect((await poplard(['user', 'add', '--config', configFile, '--', name], `${PASSWORD}\n`)).code).toBe(0);
    }
    expect((await poplard(['deliver', 'CON', '--config', configFile], crlfMessage('device'))).code).toBe(0);
    const con = await lstat(join(fixture.mailRoot, 'CON', 'Maildir'));
    expect(con.isDirectory()).toBe(true);
    const after = (await tree(fixture.dir)).filter((path) => !before.includes(path));
    for (const path of after) expect(path).toMatch(/^\/(users|mail\/CON(\/|$)|mail\/NUL(\/|$)|\.users)/);
  });
});

async function loginReply(user: string, password: string): Promise<string> {
  const client = await PopClient.connect({ port: daemon.port('plain') });
  try {
    await client.readLine();
    const userReply = await client.command(`USER ${user}`);
    if (!userReply.startsWith('+OK')) return userReply;
    return await client.command(`PASS ${password}`);
  } finally {
    client.close();
  }
}

describe('symlinks planted inside a Maildir', () => {
  it('a message symlink in cur/ to a file outside is neither listed nor read', async () => {
    await symlink(outside, join(maildirOf('alice'), 'cur', '1800000000.P1Q1.planted:2,S'));
    await symlink(outside, join(maildirOf('alice'), 'new', '1800000001.P1Q2.planted'));
    const client = await openSession(daemon.port('plain'), 'alice', PASSWORD);
    const listed = await listing(client);
    expect(listed).toHaveLength(1);
    const only = await retrieve(client, 1);
    expect(only.toString()).toContain('alice own');
    expect(only.toString()).not.toContain(SECRET);
    client.close();
    figures.symlinkCases += 2;
  });

  it('a listed message replaced by a symlink after login is not followed', async () => {
    const client = await openSession(daemon.port('plain'), 'bob', PASSWORD);
    expect(await listing(client)).toHaveLength(1);
    const [name] = await readdir(join(maildirOf('bob'), 'new'));
    const path = join(maildirOf('bob'), 'new', name as string);
    await rm(path);
    await symlink(outside, path);
    const reply = await retrieve(client, 1);
    expect(typeof reply).toBe('string');
    expect(reply).toMatch(/^-ERR/);
    client.close();
    figures.symlinkCases++;
  });

  it('a Maildir, a user folder or a Maildir folder replaced by a symlink is refused', async () => {
    // carol's Maildir becomes a symlink to another user's: the login is refused, nothing is read.
    const carol = maildirOf('carol');
    await rename(carol, `${carol}.away`);
    await symlink(maildirOf('dave'), carol);
    const refused = await openSession(daemon.port('plain'), 'carol', PASSWORD).catch((err: Error) => err.message);
    expect(refused).toMatch(/PASS refused: -ERR/);
    await rm(carol);
    await rename(`${carol}.away`, carol);

    // cur/ replaced by a symlink to a folder outside.
    const elsewhere = join(fixture.dir, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, '1800000002.P1Q3.x:2,S'), crlfMessage(SECRET));
    await rm(join(carol, 'cur'), { recursive: true });
    await symlink(elsewhere, join(carol, 'cur'));
    expect(await openSession(daemon.port('plain'), 'carol', PASSWORD).catch((err: Error) => err.message)).toMatch(
      /PASS refused: -ERR/,
    );
    await rm(join(carol, 'cur'));
    await mkdir(join(carol, 'cur'), { mode: 0o700 });

    // The user's own folder replaced by a symlink.
    const daveDir = dirname(maildirOf('dave'));
    await rename(daveDir, `${daveDir}.away`);
    await symlink(`${daveDir}.away`, daveDir);
    expect(await openSession(daemon.port('plain'), 'dave', PASSWORD).catch((err: Error) => err.message)).toMatch(
      /PASS refused: -ERR/,
    );
    // Delivery refuses it too (a permanent failure: the MTA bounces instead of retrying forever).
    expect((await fixture.deliver('dave', crlfMessage('through a link'))).code).toBe(73);
    await rm(daveDir);
    await rename(`${daveDir}.away`, daveDir);
    figures.symlinkCases += 4;

    // Once repaired, the logins work again; the refusals changed nothing.
    for (const user of ['carol', 'dave']) {
      const client = await openSession(daemon.port('plain'), user, PASSWORD);
      expect(await listing(client)).toHaveLength(1);
      client.close();
    }
    expect((await stat(outside)).isFile()).toBe(true);
  });
});
