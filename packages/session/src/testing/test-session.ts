import type { Duplex } from 'node:stream';
import type { ConnectionInfo } from '../contracts.js';
import type { SessionEngine } from '../engine.js';
import type { SessionSummary } from '../options.js';
import { createDuplexPair } from './duplex-pair.js';

export interface TestSessionOptions {
  readonly connection?: Partial<ConnectionInfo>;
  /** The host's shutdown signal for this session. */
  readonly signal?: AbortSignal;
  /** Octets buffered per direction before the writer sees backpressure. Default 16 KiB. */
  readonly highWaterMark?: number;
}

/** A client talking to one session over an in-memory connection. Server lines are read only when asked for. */
export interface TestSession {
  /** The end the engine runs on. */
  readonly server: Duplex;
  /** The client's end. */
  readonly client: Duplex;
  /** The session's summary, once it has ended. */
  readonly result: Promise<SessionSummary>;
  /** Sends lines, each with CRLF, in one write (so several lines are pipelined). */
  send(...lines: string[]): void;
  /** Sends raw data. */
  write(data: string | Uint8Array): void;
  /** The next server line without its CRLF, as latin1 (one character per octet). Rejects when the server closed. */
  line(): Promise<string>;
  /** The next `count` server lines. */
  lines(count: number): Promise<string[]>;
  /** A multi-line answer: the status line and the lines up to the "." terminator (excluded), still dot-stuffed. */
  multiline(): Promise<string[]>;
  /** Every line left until the server closes the connection (a final unterminated line included). */
  rest(): Promise<string[]>;
  /** The client vanishes: the connection is reset without QUIT. */
  vanish(): void;
  /** The client closes its sending side. */
  end(): void;
  /**
   * Plays a transcript: "C: text" lines are sent (consecutive ones in one write), each "S: text" line must be the
   * next server line exactly, and "S: (closed)" expects the server to have closed with nothing more to read.
   * Throws on the first difference.
   */
  expect(script: string): Promise<void>;
}

const CRLF = Buffer.from('\r\n');

/** Starts a session of `engine` over an in-memory connection and returns its client. */
export function openTestSession(engine: SessionEngine, options: TestSessionOptions = {}): TestSession {
  const [server, client] = createDuplexPair(
    options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark },
  );
  const connection: ConnectionInfo = { id: 'test', remoteAddress: '127.0.0.1', secure: false, ...options.connection };
  const result = engine.run(server, connection, options.signal ? { signal: options.signal } : {});
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  client.on('end', () => {
    ended = true;
  });
  client.on('close', () => {
    ended = true;
  });
  client.on('error', () => {});

  function waitForData(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        client.off('readable', done);
        client.off('end', done);
        client.off('close', done);
        resolve();
      };
      client.on('readable', done);
      client.on('end', done);
      client.on('close', done);
    });
  }

  /** Pulls everything readable into `pending`; false when nothing more will come. */
  async function fill(): Promise<boolean> {
    for (;;) {
      const chunk: Buffer | null = client.read();
      if (chunk !== null) {
        pending = Buffer.concat([pending, chunk]);
        return true;
      }
      if (ended || client.destroyed) return false;
      await waitForData();
    }
  }

  async function nextLine(): Promise<string | null> {
    for (;;) {
      const at = pending.indexOf(CRLF);
      if (at >= 0) {
        const line = pending.toString('latin1', 0, at);
        pending = pending.subarray(at + 2);
        return line;
      }
      if (!(await fill())) return null;
    }
  }

  async function line(): Promise<string> {
    const next = await nextLine();
    if (next === null) throw new Error('the server closed the connection');
    return next;
  }

  async function rest(): Promise<string[]> {
    const out: string[] = [];
    for (let next = await nextLine(); next !== null; next = await nextLine()) out.push(next);
    if (pending.length > 0) out.push(pending.toString('latin1'));
    pending = Buffer.alloc(0);
    return out;
  }

  const session: TestSession = {
    server,
    client,
    result,
    send: (...lines) => {
      client.write(lines.map((l) => `${l}\r\n`).join(''));
    },
    write: (data) => {
      client.write(data);
    },
    line,
    async lines(count) {
      const out: string[] = [];
      for (let i = 0; i < count; i++) out.push(await line());
      return out;
    },
    async multiline() {
      const out = [await line()];
      for (let next = await line(); next !== '.'; next = await line()) out.push(next);
      return out;
    },
    rest,
    vanish: () => {
      client.destroy();
    },
    end: () => {
      client.end();
    },
    async expect(script) {
      const steps = script
        .split('\n')
        .map((l) => l.replace(/^\s+/, ''))
        .filter((l) => l.length > 0);
      let outgoing: string[] = [];
      for (const [n, step] of steps.entries()) {
        if (step.startsWith('C: ') || step === 'C:') {
          outgoing.push(step.slice(3));
          continue;
        }
        if (outgoing.length > 0) {
          session.send(...outgoing);
          outgoing = [];
        }
        if (!step.startsWith('S: ') && step !== 'S:') {
          throw new Error(`transcript step ${n + 1}: expected "C: " or "S: ": ${step}`);
        }
        const expected = step.slice(3);
        if (expected === '(closed)') {
          const left = await rest();
          if (left.length > 0)
            throw new Error(`transcript step ${n + 1}: expected the end, got ${JSON.stringify(left)}`);
          continue;
        }
        const actual = await nextLine();
        if (actual !== expected) {
          throw new Error(
            `transcript step ${n + 1}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
          );
        }
      }
      if (outgoing.length > 0) session.send(...outgoing);
    },
  };
  return session;
}
