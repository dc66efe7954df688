import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliver as storeDeliver } from '@poplar/maildir';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { reportFigures } from './helpers/figures.js';
import { filesWithoutUid, readMaildir } from './helpers/maildir-audit.js';
import { listing, openSession, retrieve } from './helpers/pop-mailbox.js';
import { PAGE, SmallDisk } from './helpers/small-disk.js';

const PASSWORD = 'disk full pw';
const UID_LIST = 'poplar-uidlist';

let diskDir: string;
/** A 4 MiB tmpfs for the mail root; undefined where this process may not mount (the tmpfs tests then skip). */
let disk: SmallDisk | undefined;
let fixture: Fixture;
let configFile: string;
const figures = { tmpfs: false, failedDeliveries: 0, sessionsOnFullDisk: 0 };

beforeAll(async () => {
  diskDir = await mkdtemp(join(tmpdir(), 'poplar-disk-'));
  disk = await SmallDisk.mount(diskDir, 4 * 1024 * 1024);
  figures.tmpfs = disk !== undefined;
  fixture = await createFixture();
  configFile = await fixture.writeConfig({ MailRoot: disk ? join(disk.path, 'mail') : fixture.mailRoot }, 'disk.toml');
  for (const user of ['full', 'lock', 'limit', 'session']) await fixture.addUser(user, PASSWORD);
});

afterAll(async () => {
  await killAllDaemons();
  reportFigures('disk-full', figures);
  await disk?.unmount();
  if (diskDir) await rm(diskDir, { recursive: true, force: true });
  await fixture?.cleanup();
});

const mailRoot = (): string => (disk ? join(disk.path, 'mail') : fixture.mailRoot);
const maildirOf = (user: string): string => join(mailRoot(), user, 'Maildir');

/** A message in CRLF form (stored as is whatever the store's convention), `size` octets long. */
function message(subject: string, size: number): Buffer {
  const head = `From: a@example.test\r\nSubject: ${subject}\r\n\r\n`;
  const line = `${'x'.repeat(98)}\r\n`;
  const body = line.repeat(Math.ceil(size / line.length)).slice(0, Math.max(0, size - head.length - 2));
  return Buffer.from(`${head}${body}\r\n`);
}

/** `poplard deliver`, optionally under `ulimit -f` (file size limit in KiB): writes past it fail with EFBIG. */
function deliver(user: string, bytes: Buffer, fileLimitKiB?: number): Promise<ToolResult> {
  const args = [CLI, 'deliver', user, '--config', configFile];
  if (fileLimitKiB === undefined) return runTool(process.execPath, args, { input: bytes });
  return runTool('bash', ['-c', `ulimit -f ${fileLimitKiB} && exec "$0" "$@"`, process.execPath, ...args], {
    input: bytes,
  });
}

/** What a failed delivery may not leave behind: the Maildir's entries, its messages and its UID list, to compare. */
async function snapshot(user: string): Promise<{ entries: string[]; messages: string[]; uidList: string }> {
  const maildir = maildirOf(user);
  const contents = await readMaildir(maildir);
  return {
    entries: (await readdir(maildir)).sort(),
    messages: [...contents.messages.keys()].sort(),
    uidList: await readFile(join(maildir, UID_LIST), 'utf8'),
  };
}

/** A failed delivery: exit 75 with a one-line reason, and nothing left: tmp/ empty, no new file, same UID list. */
async function expectCleanFailure(user: string, result: ToolResult, before: Awaited<ReturnType<typeof snapshot>>) {
  expect(result.code, result.stderr).toBe(75);
  expect(result.stderr).toMatch(/^poplard: .*(ENOSPC|EFBIG)/);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(await readdir(join(maildirOf(user), 'tmp'))).toEqual([]);
  expect(await snapshot(user)).toEqual(before);
  figures.failedDeliveries++;
}

/**
 * Delivers small messages (in-process, with the store's own delivery, for speed) until the last `boundary`-sized
 * block of the UID list has fewer than `room` octets left, so that the next line must cross into a new block.
 */
async function growUidListUntil(user: string, boundary: number, room: number): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const { size } = await stat(join(maildirOf(user), UID_LIST)).catch(() => ({ size: 0 }));
    if (size > 0 && boundary - (size % boundary) < room) return size;
    await storeDeliver(maildirOf(user), message(`filler ${i}`, 300));
  }
  throw new Error('the UID list never reached a block boundary');
}

describe('file size limit (ulimit -f, works without mounting)', () => {
  it('a message over the limit fails with 75 and leaves nothing', async () => {
    expect((await deliver('limit', message('first', 500))).code).toBe(0);
    const before = await snapshot('limit');
    await expectCleanFailure('limit', await deliver('limit', message('too big', 200_000), 64), before);
  });

  it('a UID list update cut short by the limit fails with 75 and leaves the list as it was', async () => {
    const size = await growUidListUntil('limit', 1024, 40);
    const before = await snapshot('limit');
    // The message (one page) fits, the lock too; the UID list line crosses the limit and is written only in part.
    await expectCleanFailure('limit', await deliver('limit', message('cut', 900), Math.ceil(size / 1024)), before);
    expect((await deliver('limit', message('after', 900))).code).toBe(0);
    const after = await readMaildir(maildirOf('limit'));
    expect(filesWithoutUid(after)).toEqual([]);
  });
});

describe('a full tmpfs (real ENOSPC)', () => {
  // Mounting needs root (or CAP_SYS_ADMIN); without it these cases cannot make a real ENOSPC and say so.
  beforeEach((context) => {
    if (disk === undefined) context.skip('cannot mount a tmpfs here');
  });

  it('a message larger than the free space fails with 75 and leaves nothing', async () => {
    expect((await deliver('full', message('first', 500))).code).toBe(0);
    const before = await snapshot('full');
    await disk!.fillLeaving(16 * PAGE);
    try {
      await expectCleanFailure('full', await deliver('full', message('big', 300_000)), before);
    } finally {
      await disk!.removeFillers();
    }
  });

  it('a UID list append that runs out of space fails with 75 and leaves the list as it was', async () => {
    await growUidListUntil('full', PAGE, 40);
    const before = await snapshot('full');
    // Room for the message's page and the lock's page; the UID list line needs one more.
    await disk!.fillLeaving(2 * PAGE);
    try {
      await expectCleanFailure('full', await deliver('full', message('no room for its UID', 1000)), before);
    } finally {
      await disk!.removeFillers();
    }
    expect((await deliver('full', message('after', 1000))).code).toBe(0);
    expect(filesWithoutUid(await readMaildir(maildirOf('full')))).toEqual([]);
  });

  it('no room for the lock: fails with 75 and leaves no lock file behind', async () => {
    expect((await deliver('lock', message('first', 500))).code).toBe(0);
    const before = await snapshot('lock');
    await disk!.fillLeaving(PAGE);
    try {
      await expectCleanFailure('lock', await deliver('lock', message('no room for the lock', 1000)), before);
    } finally {
      await disk!.removeFillers();
    }
  });

  it('sessions keep working on a full disk; a login that must write the UID list fails cleanly', async () => {
    for (let i = 0; i < 3; i++) expect((await deliver('session', message(`kept ${i}`, 2000))).code).toBe(0);
    const daemon = await DaemonProcess.start(configFile);
    try {
      const port = daemon.port('plain');
      await disk!.fillLeaving(0);
      expect(await disk!.freeBytes()).toBe(0);
      const failed = await deliver('session', message('refused', 1000));
      expect(failed.code).toBe(75);

      const client = await openSession(port, 'session', PASSWORD);
      const listed = await listing(client);
      expect(listed).toHaveLength(3);
      for (const entry of listed) expect((await retrieve(client, entry.msn)) as Buffer).toHaveLength(entry.size);
      expect(await client.command('DELE 1')).toMatch(/^\+OK/);
      expect(await client.command('QUIT')).toMatch(/^\+OK/);
      client.close();
      figures.sessionsOnFullDisk++;

      // Another MDA's message (written before the disk filled up) needs a UID, so the login must write the list.
      await disk!.removeFillers();
      const foreign = join(maildirOf('session'), 'new', '1800000000.P1Q1.other-mda');
      await writeFile(foreign, message('foreign', 1000));
      const uidList = await readFile(join(maildirOf('session'), UID_LIST), 'utf8');
      await disk!.fillLeaving(0);
      const refused = await openSession(port, 'session', PASSWORD).catch((err: Error) => err);
      expect(String(refused)).toMatch(/PASS refused: -ERR/);
      expect(await readFile(join(maildirOf('session'), UID_LIST), 'utf8')).toBe(uidList);
      expect((await readdir(maildirOf('session'))).filter((name) => name.startsWith('.'))).toEqual([]);

      await disk!.removeFillers();
      const again = await openSession(port, 'session', PASSWORD);
      expect(await listing(again)).toHaveLength(3);
      again.close();
      expect(filesWithoutUid(await readMaildir(maildirOf('session')))).toEqual([]);
      expect(daemon.child.exitCode).toBeNull();
    } finally {
      await disk!.removeFillers();
      await daemon.stop();
    }
  });
});
