import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fixture } from './session.fixture.js';
import type { TestSession } from './testing/index.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await tick();
}

/** Nothing has arrived from the server (yet). */
async function silent(s: TestSession): Promise<void> {
  await settle();
  expect(s.client.readableLength).toBe(0);
}

const BIG = `Subject: big\n\n${'0123456789abcdef'.repeat(4).concat('\n').repeat(80_000)}`;

describe('inactivity timers (V0002, V0003)', () => {
  it('closes an idle unauthenticated session after 60 s with one line', async () => {
    const f = fixture();
    const s = await f.open();
    await f.timers.advance(59_999);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.rest()).toEqual(['-ERR Connection is closed. 12']);
    expect(await s.result).toMatchObject({ end: 'timeout' });
  });

  it('restarts the timer with every command line, but not with part of a line', async () => {
    const f = fixture();
    const s = await f.open();
    await f.timers.advance(50_000);
    s.send('CAPA');
    await s.multiline();
    await f.timers.advance(50_000);
    s.write('CA');
    await f.timers.advance(9_999);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.rest()).toEqual(['-ERR Connection is closed. 12']);
  });

  it('gives an authenticated session 1800 s and commits nothing when it expires', async () => {
    const f = fixture();
    const s = await f.login();
    s.send('DELE 1');
    expect(await s.line()).toBe('+OK');
    await f.timers.advance(1_799_999);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.rest()).toEqual(['-ERR Connection is closed. 12']);
    expect(await s.result).toMatchObject({ end: 'timeout', deleted: 0 });
    expect(f.store.stats.commits).toEqual([]);
    expect(f.store.openCount).toBe(0);
  });

  it('keeps a slow reader that makes progress, and drops one that stops reading', async () => {
    const f = fixture({ users: { alice: [BIG] }, settings: { authenticatedTimeoutMs: 10_000 } });
    const s = await f.login();
    s.send('RETR 1');
    await settle();
    // Read a little every 9 s: each drain restarts the timer.
    for (let i = 0; i < 5; i++) {
      await f.timers.advance(9_000);
      for (let chunk = s.client.read(); chunk !== null && i < 4; chunk = s.client.read()) {}
      await settle();
    }
    expect(s.server.destroyed).toBe(false);
    await f.timers.advance(10_000);
    expect(await s.result).toMatchObject({ end: 'timeout' });
    expect(s.server.destroyed).toBe(true);
    expect(f.store.openCount).toBe(0);
  });
});

describe('pipelining and backpressure', () => {
  it('answers many commands sent in one write, in order, in few writes', async () => {
    const f = fixture();
    const s = await f.login();
    const write = s.server.write.bind(s.server);
    let writes = 0;
    s.server.write = ((...args: Parameters<typeof write>) => {
      writes++;
      return write(...args);
    }) as typeof s.server.write;
    const commands = Array.from({ length: 200 }, (_, i) => ['STAT', 'LIST 2', 'UIDL 3', 'NOOP'][i % 4]!);
    s.send(...commands);
    const answers = await s.lines(200);
    expect(answers.slice(0, 4)).toEqual(['+OK 3 114', '+OK 2 54', '+OK 3 3', '+OK']);
    expect(answers.filter((a) => a === '+OK 2 54')).toHaveLength(50);
    expect(writes).toBeLessThan(5);
  });

  it('finishes a streamed answer before the next pipelined command', async () => {
    const f = fixture({ chunkSize: 5 });
    const s = await f.login();
    s.send('RETR 1', 'TOP 3 0', 'DELE 1', 'QUIT');
    expect(await s.rest()).toEqual([
      '+OK 28 octets',
      'Subject: one',
      '',
      'first body',
      '.',
      '+OK',
      'Subject: three',
      '',
      '.',
      '+OK',
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
  });

  it('keeps memory bounded for a reader that does not read, then delivers every byte', async () => {
    const f = fixture({ users: { alice: [BIG] } });
    const s = await f.login();
    s.send('RETR 1', 'NOOP');
    await settle();
    await settle();
    expect(s.server.writableLength).toBeLessThan(200 * 1024);
    expect(f.store.stats.chunksRead).toBeLessThanOrEqual(3);
    const [head, ...lines] = await s.multiline();
    expect(head).toBe(`+OK ${Buffer.byteLength(BIG) + 80_002} octets`);
    expect(lines).toHaveLength(80_002);
    expect(await s.line()).toBe('+OK');
  });

  it('stops reading input while answers are not being read', async () => {
    const f = fixture();
    const s = await f.login();
    const total = 100_000;
    for (let i = 0; i < total; i++) s.write('NOOP\r\n');
    await settle();
    await settle();
    // The session is blocked on output, so the client's input stays unread on its side of the connection.
    expect(s.server.readableLength).toBeLessThanOrEqual(64 * 1024);
    expect(s.client.writableLength).toBeGreaterThan(400_000);
    expect(await s.lines(total)).toHaveLength(total);
  });

  it('releases the maildrop without commit when the client vanishes in the middle of RETR', async () => {
    const f = fixture({ users: { alice: ['Subject: small\n\nx\n', BIG] } });
    const s = await f.login();
    s.send('DELE 1', 'RETR 2');
    await settle();
    expect(await s.line()).toBe('+OK');
    expect(await s.line()).toMatch(/^\+OK \d+ octets$/);
    s.vanish();
    expect(await s.result).toMatchObject({ end: 'closed', deleted: 0, retrieved: 0 });
    expect(f.store.openCount).toBe(0);
    expect(f.store.stats.commits).toEqual([]);
    expect(f.store.stats.readsStopped).toBe(1);
  });
});

describe('failed-login delay', () => {
  it('delays the answer with a timer, reads no input meanwhile, and adds the host penalty', async () => {
    const penalties: (string | undefined)[] = [];
    const f = fixture({
      settings: { failedLoginDelayMs: 1000 },
      hooks: {
        loginFailed: (_c, user) => {
          penalties.push(user);
          return 500;
        },
      },
    });
    const s = await f.open({ connection: { secure: true } });
    const other = await f.open({ connection: { secure: true } });
    s.send('USER alice', 'PASS wrong', 'QUIT');
    expect(await s.line()).toBe('+OK');
    await silent(s);
    other.send('CAPA');
    expect((await other.multiline())[0]).toBe('+OK');
    await f.timers.advance(1499);
    await silent(s);
    await f.timers.advance(1);
    expect(await s.rest()).toEqual([
      '-ERR Logon failure: unknown user name or bad password.',
      '+OK Microsoft Exchange Server 2013 POP3 server signing off.',
    ]);
    expect(penalties).toEqual(['alice']);
  });
});

describe('shutdown (runOptions.signal)', () => {
  it('closes an idle session with Connection is closed. 11 and commits nothing', async () => {
    const f = fixture();
    const controller = new AbortController();
    const s = await f.login({ connection: { secure: true }, signal: controller.signal });
    s.send('DELE 1');
    expect(await s.line()).toBe('+OK');
    controller.abort();
    expect(await s.rest()).toEqual(['-ERR Connection is closed. 11']);
    expect(await s.result).toMatchObject({ end: 'shutdown', deleted: 0 });
    expect(f.store.stats.commits).toEqual([]);
  });

  it('drops a session in the middle of an answer', async () => {
    const f = fixture({ users: { alice: [BIG] } });
    const controller = new AbortController();
    const s = await f.login({ connection: { secure: true }, signal: controller.signal });
    s.send('RETR 1');
    await settle();
    controller.abort();
    expect(await s.result).toMatchObject({ end: 'shutdown' });
    expect(s.server.destroyed).toBe(true);
    expect(f.store.openCount).toBe(0);
  });

  it('answers only the closing line when the signal is already aborted', async () => {
    const f = fixture();
    const { openTestSession } = await import('./testing/index.js');
    const s = openTestSession(f.engine, { signal: AbortSignal.abort() });
    expect(await s.rest()).toEqual(['-ERR Connection is closed. 11']);
    expect(await s.result).toMatchObject({ end: 'shutdown' });
  });
});
