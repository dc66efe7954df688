import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deliver, resolveMaildir } from '@poplar/maildir';
import { parseCommand } from '@poplar/wire';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from '../helpers/messages.js';
import { PopClient } from '../helpers/pop-client.js';
import { createFixture, DaemonProcess, type Fixture, killAllDaemons } from '../helpers/poplard.js';
import { reportFigures } from './helpers/figures.js';
import { LONG } from './helpers/long-mode.js';

const USER = 'fuzz';
const PASSWORD = 'fuzz pw';
/** Runs per property: bounded for CI; POPLAR_FUZZ_RUNS sets it, POPLAR_LONG raises the default. */
const RUNS = Number(process.env.POPLAR_FUZZ_RUNS ?? (LONG ? 5000 : 120));

let fixture: Fixture;
/** One daemon with the default limits (sessions end early at a limit), one with limits lifted (long sessions). */
let daemons: { strict: DaemonProcess; lenient: DaemonProcess };
let figures = { runs: 0, linesSent: 0, replies: 0, closedByServer: 0, saslSteps: 0 };

beforeAll(async () => {
  fixture = await createFixture();
  const common = { Mechanisms: ['NTLM', 'PLAIN'], MaxConnectionFromSingleIP: 10_000, MaxConnectionsPerUser: 1000 };
  const strict = await fixture.writeConfig(common, 'fuzz-strict.toml');
  await fixture.addUser(USER, PASSWORD, { ntlm: true });
  const lenient = await fixture.writeConfig(
    { ...common, MaxBadCommands: 1000, MaxProtocolErrors: 1000, MaxPreAuthCommands: 1000, MaxFailedLogins: 100 },
    'fuzz-lenient.toml',
  );
  await mkdir(fixture.mailRoot, { recursive: true });
  await refill();
  daemons = { strict: await DaemonProcess.start(strict), lenient: await DaemonProcess.start(lenient) };
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');
const NTLM_NEGOTIATE = 'TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAO5CAAAADw==';

/** Lines a real client sends, to be sent as they are or mutated. */
const VALID = [
  `USER ${USER}`,
  `PASS ${PASSWORD}`,
  'PASS wrong',
  'CAPA',
  'STAT',
  'LIST',
  'LIST 2',
  'UIDL',
  'UIDL 1',
  'RETR 1',
  'TOP 2 1',
  'DELE 3',
  'RSET',
  'NOOP',
  'AUTH',
  `AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`,
  'AUTH PLAIN',
  b64(`\0${USER}\0${PASSWORD}`),
  b64(`admin\0${USER}\0${PASSWORD}`),
  `AUTH NTLM ${NTLM_NEGOTIATE}`,
  'AUTH NTLM',
  NTLM_NEGOTIATE,
  b64(Buffer.concat([Buffer.from('NTLMSSP\0\x03\0\0\0', 'latin1'), Buffer.alloc(64, 0x41)])),
  '*',
  '=',
  'STLS',
  'APOP fuzz 0123456789abcdef0123456789abcdef',
  'QUIT',
];

const noLf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.filter((octet) => octet !== 0x0a));

/** A byte-level change to a line: flip, insert, delete, repeat or cut. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), octet: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 40 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(line: Buffer, change: Mutation): Buffer {
  if (line.length === 0) return line;
  switch (change.kind) {
    case 'flip': {
      const out = Buffer.from(line);
      const at = change.at % out.length;
      out[at] = (out[at] as number) ^ (1 << change.bit);
      return out;
    }
    case 'insert': {
      const at = change.at % (line.length + 1);
      return Buffer.concat([line.subarray(0, at), Buffer.of(change.octet), line.subarray(at)]);
    }
    case 'delete': {
      const at = change.at % line.length;
      return Buffer.concat([line.subarray(0, at), line.subarray(at + 1)]);
    }
    case 'repeat':
      return Buffer.concat(Array.from({ length: change.times }, () => line));
    case 'cut':
      return line.subarray(0, change.at % line.length);
  }
}

const mutatedLine = fc
  .tuple(fc.constantFrom(...VALID), fc.array(mutation, { maxLength: 4 }))
  .map(([line, changes]) => noLf(changes.reduce(mutate, Buffer.from(line, 'latin1'))));
const keyword = fc.oneof(
  fc.constantFrom('USER', 'PASS', 'AUTH', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'STAT', 'CAPA', 'NOOP', 'RSET'),
  fc.string({ maxLength: 8 }),
);
const argument = fc.oneof(
  fc.constantFrom('0', '1', '3', '4', '-1', '99999999999999999999', USER, '../../etc', '/dev/null', 'CON', 'PLAIN'),
  fc.string({ maxLength: 20 }),
  fc.base64String({ maxLength: 200 }),
);
const randomCommand = fc
  .tuple(keyword, fc.array(fc.tuple(fc.constantFrom(' ', '\t', '  '), argument), { maxLength: 3 }))
  .map(([k, args]) => noLf(Buffer.from(k + args.map(([sep, arg]) => sep + arg).join(''), 'utf8')));
const garbage = fc.uint8Array({ maxLength: 300 }).map(noLf);
const longLine = fc
  .tuple(fc.constantFrom('NOOP ', 'USER ', 'PASS ', ''), fc.integer({ min: 500, max: 70_000 }))
  .map(([head, n]) => Buffer.from(head + 'A'.repeat(n)));
const line = fc.oneof(
  { weight: 5, arbitrary: mutatedLine },
  { weight: 4, arbitrary: fc.constantFrom(...VALID).map((text) => Buffer.from(text)) },
  { weight: 3, arbitrary: randomCommand },
  { weight: 2, arbitrary: garbage },
  { weight: 1, arbitrary: longLine },
);

/** Fuzzed sessions may DELE and QUIT: keep three messages to RETR. */
async function refill(): Promise<void> {
  const maildir = await resolveMaildir(fixture.mailRoot, USER);
  const count = (await readdir(join(maildir, 'new'))).length + (await readdir(join(maildir, 'cur'))).length;
  for (let i = count; i < 3; i++) await deliver(maildir, Buffer.from(crlfMessage(`refill ${i}`, ['.', 'body'])));
}

/** True when a +OK to this command line is followed by lines up to ".". */
function isMultiline(sent: Buffer): boolean {
  const { keyword: k, args } = parseCommand(sent);
  if (k === 'CAPA' || k === 'RETR' || k === 'TOP') return true;
  return (k === 'LIST' || k === 'UIDL' || k === 'AUTH') && args.length === 0;
}

/**
 * Sends the lines one at a time. Every reply starts with "+" or "-" and comes within the client's timeout, or the
 * server closes the connection cleanly (a limit was reached, or QUIT); multi-line answers are read to their end.
 */
async function exchange(daemon: DaemonProcess, lines: readonly Buffer[]): Promise<void> {
  const client = await PopClient.connect({ port: daemon.port('plain') });
  try {
    expect(await client.readLine()).toMatch(/^\+OK/);
    let sasl = false;
    for (const sent of lines) {
      client.write(Buffer.concat([sent, Buffer.from('\r\n')]));
      figures.linesSent++;
      const reply = await client.readLine();
      if (reply === null) {
        figures.closedByServer++;
        return;
      }
      // Exchange's closing line follows the -ERR that reached a limit; the server then closes.
      if (reply.startsWith('Connection is closed')) {
        await client.waitClosed();
        figures.closedByServer++;
        return;
      }
      figures.replies++;
      expect(reply, `reply to ${JSON.stringify(sent.toString('latin1').slice(0, 80))}`).toMatch(/^[+-]/);
      // After +OK to STLS only a TLS handshake may follow (the server waits for one up to the pre-auth timeout).
      if (!sasl && reply.startsWith('+OK') && parseCommand(sent).keyword === 'STLS') return;
      if (!sasl && reply.startsWith('+OK') && isMultiline(sent)) {
        for (let next = await client.readLine(); next !== '.'; next = await client.readLine()) {
          if (next === null) throw new Error('closed inside a multi-line answer');
        }
      }
      sasl = reply === '+' || reply.startsWith('+ ');
      if (sasl) figures.saslSteps++;
    }
  } finally {
    client.close();
  }
}

const LOGIN = [`USER ${USER}`, `PASS ${PASSWORD}`].map((text) => Buffer.from(text));

describe('network fuzz against the running daemon', () => {
  for (const kind of ['strict', 'lenient'] as const) {
    it(
      `answers random and mutated lines with + or - or a clean close (${kind} limits, ${RUNS} runs)`,
      async () => {
        const started = Date.now();
        const daemon = daemons[kind];
        figures = { runs: 0, linesSent: 0, replies: 0, closedByServer: 0, saslSteps: 0 };
        await fc.assert(
          fc.asyncProperty(fc.boolean(), fc.array(line, { minLength: 1, maxLength: 40 }), async (login, lines) => {
            figures.runs++;
            await refill();
            await exchange(daemon, login ? [...LOGIN, ...lines] : lines);
          }),
          { numRuns: RUNS },
        );
        // Still up, still serving: a normal login and a RETR.
        expect(daemon.child.exitCode).toBeNull();
        const client = await PopClient.connect({ port: daemon.port('plain') });
        await client.readLine();
        await client.login(USER, PASSWORD);
        expect((await client.multiline('RETR 1')).lines.join('\n')).toContain('Subject: ');
        client.close();
        // Nothing went wrong inside the daemon: no unexpected error was logged.
        expect(daemon.logs.filter((entry) => entry.level === 'error')).toEqual([]);
        reportFigures(`network-fuzz-${kind}`, { ...figures, seconds: Math.round((Date.now() - started) / 1000) });
      },
      60_000 + RUNS * 250,
    );
  }
});
