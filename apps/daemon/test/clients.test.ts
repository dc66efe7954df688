import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFetchmail } from './helpers/fetchmail.js';
import { crlfMessage, lfMessage } from './helpers/messages.js';
import { PopClient } from './helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from './helpers/poplard.js';
import { runTool } from './helpers/run-tool.js';

const PASSWORD = 'correct horse 7';
const dotted = crlfMessage('dots', ['.leading dot', '..two dots', '.', 'end']);

let fixture: Fixture;
let daemon: DaemonProcess;
let port: number;

const curl = (path: string, ...extra: string[]) =>
  runTool('curl', ['-sS', '--max-time', '15', `pop3://127.0.0.1:${port}${path}`, '-u', `alice:${PASSWORD}`, ...extra]);

async function uidls(user = 'alice', password = PASSWORD): Promise<string[]> {
  const client = await PopClient.connect({ port });
  await client.readLine();
  await client.login(user, password);
  const { lines } = await client.multiline('UIDL');
  await client.command('QUIT');
  client.close();
  return lines;
}

beforeAll(async () => {
  fixture = await createFixture();
  await fixture.addUser('alice', PASSWORD);
  for (const message of [crlfMessage('first'), dotted, lfMessage('third', ['line one', 'line two'])]) {
    expect((await fixture.deliver('alice', message)).code).toBe(0);
  }
  daemon = await DaemonProcess.start(await fixture.writeConfig());
  port = daemon.port('plain');
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

describe('curl', () => {
  it('lists the messages with their exact sizes', async () => {
    const result = await curl('/');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.toString().trim().split(/\r?\n/);
    expect(lines).toEqual([
      `1 ${Buffer.byteLength(crlfMessage('first'))}`,
      `2 ${Buffer.byteLength(dotted)}`,
      `3 ${Buffer.byteLength(crlfMessage('third', ['line one', 'line two']))}`,
    ]);
  });

  it('retrieves byte-exact messages: dot-stuffing undone, LF stored mail sent as CRLF', async () => {
    const second = await curl('/2');
    expect(second.stderr).toBe('');
    expect(second.stdout.toString('latin1')).toBe(dotted);
    expect((await curl('/3')).stdout.toString('latin1')).toBe(crlfMessage('third', ['line one', 'line two']));
  });
});

describe('Python poplib', () => {
  it('logs in, reads STAT, LIST, UIDL, RETR and TOP', async () => {
    const script = join(fixture.dir, 'poplib-read.py');
    await writeFile(
      script,
      [
        'import poplib, sys, json',
        `p = poplib.POP3("127.0.0.1", ${port}, timeout=10)`,
        `p.user("alice"); p.pass_(${JSON.stringify(PASSWORD)})`,
        'count, size = p.stat()',
        'resp, lines, octets = p.retr(2)',
        'top = p.top(1, 0)[1]',
        'uidl = [l.decode() for l in p.uidl()[1]]',
        'p.quit()',
        'print(json.dumps({"count": count, "size": size, "retr": [l.decode("latin1") for l in lines], "top": [l.decode() for l in top], "uidl": uidl}))',
      ].join('\n'),
    );
    const result = await runTool('python3', [script]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.toString()) as {
      count: number;
      size: number;
      retr: string[];
      top: string[];
      uidl: string[];
    };
    expect(out.count).toBe(3);
    expect(out.retr).toEqual(dotted.split('\r\n').slice(0, -1));
    expect(out.top.at(-1)).toBe('');
    expect(out.top).toContain('Subject: first');
    expect(out.uidl).toEqual(await uidls());
  });
});

describe('Perl Net::POP3', () => {
  it('logs in, lists and fetches', async () => {
    const code = [
      'use Net::POP3;',
      `my $p = Net::POP3->new("127.0.0.1", Port => ${port}, Timeout => 10) or die "connect";`,
      `defined $p->login("alice", ${JSON.stringify(PASSWORD)}) or die "login";`,
      'my $list = $p->list() or die "list";',
      'my $uidl = $p->uidl() or die "uidl";',
      'my $msg = $p->get(1) or die "get";',
      'print scalar(keys %$list), "\\n";',
      'print join(",", map { $uidl->{$_} } sort keys %$uidl), "\\n";',
      'print join("", @$msg);',
      '$p->quit;',
    ].join('\n');
    const result = await runTool('perl', ['-e', code]);
    expect(result.code, result.stderr).toBe(0);
    const [count, uids, ...message] = result.stdout.toString('latin1').split('\n');
    expect(count).toBe('3');
    expect(uids?.split(',')).toEqual((await uidls()).map((line) => line.split(' ')[1]));
    expect(message.join('\n').replaceAll('\n', '\r\n')).toBe(crlfMessage('first'));
  });
});

describe('UIDL stability', () => {
  it('keeps the same UIDLs across sessions and across a daemon restart', async () => {
    const before = await uidls();
    expect(before).toHaveLength(3);
    expect(await uidls()).toEqual(before);
    expect(await daemon.stop()).toEqual({ code: 0, signal: null });
    daemon = await DaemonProcess.start(join(fixture.dir, 'poplar.toml'));
    port = daemon.port('plain');
    expect(await uidls()).toEqual(before);
  });
});

describe('fetchmail and mpop', () => {
  let user = 0;
  /** A fresh user with two messages, so each client run starts from a known maildrop. */
  async function freshUser(): Promise<string> {
    user += 1;
    const name = `fetch${user}`;
    await fixture.addUser(name, PASSWORD);
    for (const subject of ['one', 'two']) expect((await fixture.deliver(name, crlfMessage(subject))).code).toBe(0);
    await daemon.reload();
    return name;
  }

  async function fetchmail(name: string, keep: boolean): Promise<{ code: number | null; mbox: string }> {
    const { result, mail } = await runFetchmail({
      dir: fixture.dir,
      name,
      host: '127.0.0.1',
      port,
      poll: 'uidl',
      user: name,
      password: PASSWORD,
      options: `${keep ? 'keep' : 'nokeep'} fetchall no sslcertck sslproto ''`,
    });
    return { code: result.code, mbox: mail };
  }

  it('fetchmail in keep mode leaves the messages, in no-keep mode deletes them', async () => {
    const name = await freshUser();
    const kept = await fetchmail(name, true);
    expect(kept.code).toBe(0);
    expect(kept.mbox).toContain('Subject: one');
    expect(kept.mbox).toContain('Subject: two');
    expect(await uidls(name)).toHaveLength(2);
    const removed = await fetchmail(name, false);
    expect(removed.code).toBe(0);
    expect(await uidls(name)).toHaveLength(0);
  });

  async function mpop(name: string, keep: boolean): Promise<{ code: number | null; stderr: string; mbox: string }> {
    const mbox = join(fixture.dir, `${name}.mpop.mbox`);
    const result = await runTool(
      'mpop',
      [
        '-C',
        '/dev/null',
        `--host=127.0.0.1`,
        `--port=${port}`,
        '--auth=user',
        `--user=${name}`,
        '--tls=off',
        `--passwordeval=echo '${PASSWORD}'`,
        `--delivery=mbox,${mbox}`,
        `--keep=${keep ? 'on' : 'off'}`,
        `--uidls-file=${join(fixture.dir, `${name}.uidls`)}`,
        '--only-new=off',
      ],
      { env: { ...process.env, HOME: fixture.dir }, timeoutMs: 30_000 },
    );
    return { code: result.code, stderr: result.stderr, mbox: await readFile(mbox, 'utf8').catch(() => '') };
  }

  it('mpop in keep mode leaves the messages, in no-keep mode deletes them', async () => {
    const name = await freshUser();
    const kept = await mpop(name, true);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.mbox.match(/^Subject: (one|two)$/gm)).toHaveLength(2);
    expect(await uidls(name)).toHaveLength(2);
    const removed = await mpop(name, false);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await uidls(name)).toHaveLength(0);
  });
});
