import type { Duplex } from 'node:stream';
import { parseCommand } from '@poplar/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture } from './session.fixture.js';
import { createFakeMechanism } from './testing/index.js';

const KEYWORDS = [
  'USER',
  'PASS',
  'APOP',
  'AUTH',
  'STLS',
  'CAPA',
  'QUIT',
  'STAT',
  'LIST',
  'RETR',
  'DELE',
  'NOOP',
  'RSET',
  'TOP',
  'UIDL',
];

const byte = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a);
const argument = fc.oneof(
  fc.constantFrom(
    '1',
    '2',
    '3',
    '4',
    '0',
    '99999999',
    '18446744073709551617',
    '-1',
    '=',
    '*',
    'alice',
    'secret',
    'FAKE',
    'YWxpY2U=',
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
  fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a)).toString('latin1')),
);
const keyword = fc.oneof(
  fc.constantFrom(...KEYWORDS),
  fc.constantFrom(...KEYWORDS).map((k) => k.toLowerCase()),
  fc.string({ maxLength: 6 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const separator = fc.constantFrom(' ', '\t', '  ', ' \t ');
const commandLine = fc
  .tuple(keyword, fc.array(fc.tuple(separator, argument), { maxLength: 3 }))
  .map(([k, args]) => Buffer.from(k + args.map(([sep, a]) => sep + a).join(''), 'latin1'));
const garbageLine = fc.array(byte, { maxLength: 40 }).map((a) => Buffer.from(a));
const longLine = fc.integer({ min: 500, max: 3000 }).map((n) => Buffer.from(`NOOP ${'x'.repeat(n)}`));
const line = fc.oneof(
  { weight: 8, arbitrary: commandLine },
  { weight: 2, arbitrary: garbageLine },
  { weight: 1, arbitrary: longLine },
);

const startTls = async (plain: Duplex) => plain;

function engineFixture(limits: boolean) {
  return fixture({
    startTls,
    mechanisms: [
      createFakeMechanism({ challenges: ['more'] }),
      createFakeMechanism({ name: 'PLAIN', plaintext: true }),
    ],
    settings: {
      loginType: 'PlainTextLogin',
      ...(limits
        ? {}
        : { maxProtocolErrors: 10_000, maxBadCommands: 10_000, maxPreAuthCommands: 10_000, maxFailedLogins: 10_000 }),
    },
  });
}

function isMultiline(sent: Buffer, reply: string): boolean {
  if (!reply.startsWith('+OK')) return false;
  const { keyword, args } = parseCommand(sent);
  if (keyword === 'CAPA' || keyword === 'RETR' || keyword === 'TOP') return true;
  if (keyword === 'LIST' || keyword === 'UIDL' || keyword === 'AUTH') return args.length === 0;
  return false;
}

describe('random input', () => {
  it('always gets one answer line starting with + or - per line, and never crashes the engine', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(line, { minLength: 1, maxLength: 25 }), async (login, lines) => {
        const f = engineFixture(false);
        const s = login ? await f.login() : await f.open();
        let continuation = false;
        let open = true;
        for (const sent of lines) {
          s.write(Buffer.concat([sent, Buffer.from('\r\n')]));
          const reply = await s.line().catch(() => null);
          if (reply === null) {
            open = false;
            break;
          }
          expect(reply).toMatch(/^[+-]/);
          if (!continuation && isMultiline(sent, reply)) {
            for (let next = await s.line(); next !== '.'; next = await s.line()) {}
          }
          continuation = reply.startsWith('+ ');
          if (!continuation && /^(quit)$/i.test(parseCommand(sent).keyword) && parseCommand(sent).args.length === 0) {
            open = false;
            break;
          }
        }
        if (open) s.end();
        await s.rest();
        const summary = await s.result;
        expect(['quit', 'closed']).toContain(summary.end);
        expect(f.store.openCount).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('ends every session cleanly with the default limits, all lines sent at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(line, { minLength: 1, maxLength: 40 }), async (login, lines) => {
        const f = engineFixture(true);
        const s = login ? await f.login() : await f.open();
        s.write(Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\r\n')])));
        s.end();
        const out = await s.rest();
        const summary = await s.result;
        expect(['quit', 'closed', 'limit']).toContain(summary.end);
        if (summary.end === 'limit') expect(out.at(-1)).toMatch(/^(Connection is closed\. 21|-ERR .*)$/);
        expect(f.store.openCount).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
