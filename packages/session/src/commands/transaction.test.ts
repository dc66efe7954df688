import { describe, expect, it } from 'vitest';
import { fixture } from '../session.fixture.js';

describe('STAT, LIST and UIDL', () => {
  it('print nothing after the sizes (V0004, V0005)', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: STAT
      S: +OK 3 114
      C: LIST
      S: +OK 3 114
      S: 1 28
      S: 2 54
      S: 3 32
      S: .
      C: LIST 2
      S: +OK 2 54
    `);
  });

  it('give UIDs exactly as the store gives them (C0007)', async () => {
    const f = fixture({ users: { alice: [{ content: 'a\n', uid: '1000' }, { content: 'b\n', uid: '1007' }, 'c\n'] } });
    const s = await f.login();
    await s.expect(`
      C: UIDL
      S: +OK
      S: 1 1000
      S: 2 1007
      S: 3 1008
      S: .
      C: UIDL 2
      S: +OK 2 1007
    `);
  });

  it('answer an empty mailbox', async () => {
    const f = fixture({ users: { alice: [] } });
    const s = await f.login();
    await s.expect(`
      C: STAT
      S: +OK 0 0
      C: LIST
      S: +OK 0 0
      S: .
      C: UIDL
      S: +OK
      S: .
      C: LIST 1
      S: -ERR The specified message is out of range.
    `);
  });

  it('refuse numbers out of range and malformed numbers, with different errors', async () => {
    const s = await fixture({ settings: { maxProtocolErrors: 10 } }).login();
    await s.expect(`
      C: LIST 4
      S: -ERR The specified message is out of range.
      C: LIST 0
      S: -ERR The specified message is out of range.
      C: UIDL 99999999999999
      S: -ERR The specified message is out of range.
      C: LIST -1
      S: -ERR Protocol error. 14
      C: UIDL 1a
      S: -ERR Protocol error. 14
      C: LIST 1 2
      S: -ERR Protocol error. 16
      C: STAT 1
      S: -ERR Protocol error. 16
    `);
  });

  it('stream a long listing in bounded writes', async () => {
    const messages = Array.from({ length: 5000 }, (_, i) => `Subject: ${i}\n\nbody\n`);
    const f = fixture({ users: { alice: messages } });
    const s = await f.login();
    s.send('UIDL');
    const lines = await s.multiline();
    expect(lines).toHaveLength(5001);
    expect(lines[5000]).toBe('5000 5000');
  });
});

describe('DELE and RSET', () => {
  it('leave deleted messages out of STAT, LIST and UIDL, refuse them elsewhere, and never renumber', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: DELE 2
      S: +OK
      C: STAT
      S: +OK 2 60
      C: LIST
      S: +OK 2 60
      S: 1 28
      S: 3 32
      S: .
      C: UIDL
      S: +OK
      S: 1 1
      S: 3 3
      S: .
      C: DELE 2
      S: -ERR Message 2 has been deleted.
      C: RETR 2
      S: -ERR Message 2 has been deleted.
      C: TOP 2 0
      S: -ERR Message 2 has been deleted.
      C: LIST 2
      S: -ERR Message 2 has been deleted.
      C: UIDL 2
      S: -ERR Message 2 has been deleted.
      C: LIST 3
      S: +OK 3 32
      C: RSET
      S: +OK
      C: STAT
      S: +OK 3 114
      C: LIST 2
      S: +OK 2 54
    `);
  });

  it('NOOP answers +OK', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: NOOP
      S: +OK
      C: NOOP x
      S: -ERR Protocol error. 16
    `);
  });
});

describe('RETR and TOP', () => {
  it('RETR sends "+OK size octets", CRLF line ends, dot-stuffing and the terminator', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: RETR 3
      S: +OK 32 octets
      S: Subject: three
      S:
      S: ..dotted
      S: end
      S: .
    `);
  });

  it('RETR sends exactly as many octets as LIST announced', async () => {
    const content = 'Subject: bytes\r\nX: bare\rcr\n\n.\n..x\nno final newline';
    const f = fixture({ users: { alice: [content] }, chunkSize: 3 });
    const s = await f.login();
    s.send('LIST 1', 'RETR 1');
    const size = Number((await s.line()).split(' ')[2]);
    const [head, ...lines] = await s.multiline();
    expect(head).toBe(`+OK ${size} octets`);
    const stuffed = lines.filter((line) => line.startsWith('..')).length;
    const octets = lines.reduce((sum, line) => sum + line.length + 2, 0) - stuffed;
    expect(octets).toBe(size);
    expect(lines).toEqual(['Subject: bytes', 'X: bare\rcr', '', '..', '...x', 'no final newline']);
  });

  it('TOP sends the headers, the blank line and n body lines; TOP n 0 only the headers', async () => {
    const s = await fixture().login();
    await s.expect(`
      C: TOP 2 1
      S: +OK
      S: Subject: two
      S: From: b@example.test
      S:
      S: line 1
      S: .
      C: TOP 2 0
      S: +OK
      S: Subject: two
      S: From: b@example.test
      S:
      S: .
      C: TOP 2 99999999
      S: +OK
      S: Subject: two
      S: From: b@example.test
      S:
      S: line 1
      S: line 2
      S: .
    `);
  });

  it('TOP stops reading the store once its lines are sent', async () => {
    const big = `Subject: big\n\n${'x'.repeat(70)}\n`.repeat(1) + `${'y'.repeat(70)}\n`.repeat(20_000);
    const f = fixture({ users: { alice: [big] }, chunkSize: 4096 });
    const s = await f.login();
    s.send('TOP 1 1');
    expect(await s.multiline()).toEqual(['+OK', 'Subject: big', '', 'x'.repeat(70)]);
    expect(f.store.stats.chunksRead).toBeLessThan(3);
    expect(f.store.stats.readsStopped).toBe(1);
  });

  it('refuses TOP without a valid line count', async () => {
    const s = await fixture({ settings: { maxProtocolErrors: 10 } }).login();
    await s.expect(`
      C: TOP 1
      S: -ERR Protocol error. 16
      C: TOP 1 -1
      S: -ERR Protocol error. 14
      C: TOP 1 x
      S: -ERR Protocol error. 14
      C: TOP 9 1
      S: -ERR The specified message is out of range.
      C: RETR
      S: -ERR Protocol error. 16
    `);
  });

  it('answers -ERR for a message removed behind the session, and goes on (C0004)', async () => {
    const f = fixture();
    const s = await f.login();
    f.store.remove('alice', '2');
    await s.expect(`
      C: RETR 2
      S: -ERR Message 2 is no longer in the mailbox.
      C: TOP 2 0
      S: -ERR Message 2 is no longer in the mailbox.
      C: LIST 2
      S: +OK 2 54
      C: RETR 1
      S: +OK 28 octets
      S: Subject: one
      S:
      S: first body
      S: .
    `);
    s.send('QUIT');
    expect(await s.line()).toMatch(/^\+OK/);
    expect(await s.result).toMatchObject({ retrieved: 1, end: 'quit' });
  });

  it('answers -ERR when the store fails before the first byte, and reports the error', async () => {
    const events: string[] = [];
    const f = fixture({ hooks: { event: (_c, e) => void events.push(e.type) } });
    f.store.failRead('alice', '1', 0);
    const s = await f.login();
    await s.expect(`
      C: RETR 1
      S: -ERR Message 1 is no longer in the mailbox.
      C: NOOP
      S: +OK
    `);
    expect(events).toContain('error');
  });

  it('closes the connection when the store fails in the middle of a message', async () => {
    const f = fixture({ chunkSize: 8 });
    f.store.failRead('alice', '2', 2);
    const s = await f.login();
    s.send('RETR 2');
    // The answer cannot be completed: the connection is dropped without a terminator.
    expect(await s.rest()).not.toContain('.');
    expect(await s.result).toMatchObject({ end: 'error' });
    expect(f.store.openCount).toBe(0);
    expect(f.store.stats.commits).toEqual([]);
  });
});

describe('QUIT', () => {
  it('in TRANSACTION commits exactly the messages marked deleted', async () => {
    const f = fixture();
    const s = await f.login();
    await s.expect(`
      C: DELE 1
      S: +OK
      C: DELE 3
      S: +OK
      C: QUIT
      S: +OK Microsoft Exchange Server 2013 POP3 server signing off.
      S: (closed)
    `);
    expect(f.store.stats.commits).toEqual([{ user: 'alice', uids: ['1', '3'] }]);
    expect(f.store.messages('alice').map((m) => m.uid)).toEqual(['2']);
    expect(await s.result).toMatchObject({ deleted: 2, end: 'quit' });
    expect(f.store.openCount).toBe(0);
  });

  it('answers -ERR [SYS/TEMP], never +OK, when the commit fails (V0006)', async () => {
    const f = fixture({ settings: { responseCodes: true } });
    f.store.failNextCommit('alice');
    const s = await f.login();
    await s.expect(`
      C: DELE 1
      S: +OK
      C: QUIT
      S: -ERR [SYS/TEMP] Some deleted messages could not be removed.
      S: (closed)
    `);
    expect(f.store.messages('alice')).toHaveLength(3);
    expect(await s.result).toMatchObject({ deleted: 0, end: 'quit' });
    expect(f.store.openCount).toBe(0);
  });

  it('in AUTHORIZATION just signs off', async () => {
    const f = fixture();
    const s = await f.open();
    await s.expect(`
      C: QUIT
      S: +OK Microsoft Exchange Server 2013 POP3 server signing off.
      S: (closed)
    `);
    expect(f.store.stats.opens).toBe(0);
  });

  it('commits nothing when the client drops the connection', async () => {
    const f = fixture();
    const s = await f.login();
    s.send('DELE 1');
    expect(await s.line()).toBe('+OK');
    s.end();
    expect(await s.result).toMatchObject({ end: 'closed', deleted: 0 });
    expect(f.store.stats.commits).toEqual([]);
    expect(f.store.openCount).toBe(0);
  });
});
