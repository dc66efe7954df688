import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from './helpers/poplard.js';

const PASSWORD = 'pw-for-crlf-cache';
const CACHE = 'poplar-crlf';
const UNIQUE = '1700000000.M1P1.test';

let fixture: Fixture;
const daemons: DaemonProcess[] = [];

/** A Maildir for `user` holding one message stored with LF, named with its exact size (W=) as MDAs do. */
async function lfMaildir(user: string): Promise<{ maildir: string; crlf: string; unique: string }> {
  await fixture.addUser(user, PASSWORD);
  const maildir = join(fixture.mailRoot, user, 'Maildir');
  for (const folder of ['cur', 'new', 'tmp']) await mkdir(join(maildir, folder), { recursive: true, mode: 0o700 });
  const lf = lfMessage(`for ${user}`, ['first line', '.a line that starts with a dot', 'last line']);
  const crlf = lf.replaceAll('\n', '\r\n');
  // The unique name is all before the ":2," info; the cache file is named after it.
  const unique = `${UNIQUE},S=${lf.length},W=${crlf.length}`;
  await writeFile(join(maildir, 'cur', `${unique}:2,S`), lf);
  return { maildir, crlf, unique };
}

async function retrTimes(daemon: DaemonProcess, user: string, times: number): Promise<string[][]> {
  const client = await PopClient.connect({ port: daemon.port('plain') });
  await client.readLine();
  await client.login(user, PASSWORD);
  const answers = [];
  for (let i = 0; i < times; i++) answers.push((await client.multiline('RETR 1')).lines);
  await client.command('QUIT');
  return answers;
}

const cached = (maildir: string): Promise<string[]> => readdir(join(maildir, CACHE)).catch(() => []);

beforeAll(async () => {
  fixture = await createFixture();
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await killAllDaemons();
  await fixture?.cleanup();
});

async function startWith(cacheAfterReads: number): Promise<DaemonProcess> {
  const config = await fixture.writeConfig(
    { Workers: 1, CrlfCacheAfterReads: cacheAfterReads },
    `c${cacheAfterReads}.toml`,
  );
  const daemon = await DaemonProcess.start(config);
  daemons.push(daemon);
  return daemon;
}

const expectedLines = (crlf: string): string[] => crlf.split('\r\n').slice(0, -1);

it('CrlfCacheAfterReads = 1 keeps the wire form from the first RETR', async () => {
  const { maildir, crlf, unique } = await lfMaildir('first');
  const daemon = await startWith(1);
  const [answer] = await retrTimes(daemon, 'first', 1);
  expect(answer).toEqual(expectedLines(crlf));
  await daemon.stop();
  expect(await cached(maildir)).toEqual([unique]);
  // The CRLF form with line-start dots doubled and the terminator: what RETR sends after its status line.
  expect(await readFile(join(maildir, CACHE, unique), 'latin1')).toBe(`${crlf.replace(/^\./gm, '..')}.\r\n`);
});

it('by default the CRLF form is kept from the second read, and CrlfCacheAfterReads = 0 never keeps it', async () => {
  const byDefault = await lfMaildir('second');
  const never = await lfMaildir('never');
  const daemon = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1 }, 'default.toml'));
  daemons.push(daemon);
  await retrTimes(daemon, 'second', 1);
  expect(await cached(byDefault.maildir)).toEqual([]);
  await retrTimes(daemon, 'second', 1);
  await daemon.stop();
  expect(await cached(byDefault.maildir)).toEqual([byDefault.unique]);

  const off = await startWith(0);
  const answers = await retrTimes(off, 'never', 3);
  await off.stop();
  for (const lines of answers) expect(lines.length).toBe(expectedLines(never.crlf).length);
  expect(await cached(never.maildir)).toEqual([]);
});

it('refuses a negative CrlfCacheAfterReads', async () => {
  const config = await fixture.writeConfig({ CrlfCacheAfterReads: -1 }, 'bad.toml');
  await expect(DaemonProcess.start(config)).rejects.toThrow(/CrlfCacheAfterReads/);
});
