import { type Command, type LineEvent, parseCommand, parseCount } from '@poplar/wire';
import type { ArgShape, CommandInput, CommandSpec } from './commands/command-spec.js';
import { COMMANDS } from './commands/index.js';
import type { ErrorCode } from './errors.js';
import type { Session } from './session.js';

/** [fewest, most] arguments of each shape; 'rest' is checked on the raw rest of the line. */
const ARITY: Readonly<Record<ArgShape, readonly [number, number]>> = {
  none: [0, 0],
  word: [1, 1],
  any: [0, Number.POSITIVE_INFINITY],
  rest: [0, Number.POSITIVE_INFINITY],
  msn: [1, 1],
  'msn?': [0, 1],
  'msn count': [2, 2],
  auth: [0, 2],
};

/**
 * How many tokens from the start of the line are checked for NUL, controls and 8-bit octets: the rest is data the
 * client may send as it likes (PASS's password, AUTH's initial response, which base64 decoding checks).
 */
const CHECKED_TOKENS: Partial<Record<ArgShape, number>> = { rest: 1, auth: 2 };

interface Refusal {
  readonly code: ErrorCode;
  readonly msn?: number;
}

/** Runs one command line. Every check happens here, once; the handler then runs on checked input. */
export async function dispatch(session: Session, event: LineEvent): Promise<void> {
  session.commands++;
  session.lastError = undefined;
  const bytesBefore = session.channel.bytesOut;
  let keyword = 'UNKNOWN';
  if (!session.loggedIn && ++session.preAuthCommands > session.engine.settings.maxPreAuthCommands) {
    await session.closeWith('POP3_ERR_TOO_MANY_PREAUTH_COMMANDS');
  } else if (event.kind === 'too-long') {
    await session.reject('POP3_ERR_LINE_TOO_LONG');
  } else {
    const command = parseCommand(event.line);
    const spec = COMMANDS.get(command.keyword);
    if (spec) keyword = spec.name;
    const checked = check(session, event.line, command, spec);
    if ('code' in checked) await session.reject(checked.code, checked.msn);
    else await spec!.run(session, checked);
  }
  if (!session.engine.hooks.event) return;
  session.emit({
    type: 'command',
    keyword,
    ok: session.lastError === undefined,
    bytesOut: session.channel.bytesOut - bytesBefore,
    ...(session.lastError === undefined ? {} : { error: session.lastError }),
  });
}

function check(
  session: Session,
  line: Buffer,
  command: Command,
  spec: CommandSpec | undefined,
): Refusal | CommandInput {
  const { maxCommandSize } = session.engine.settings;
  // Before login the reader lets AUTH lines with an initial response reach maxAuthLineSize; every other line is
  // held to maxCommandSize (octets with CRLF) here.
  if (spec?.args !== 'auth' && line.length + 2 > maxCommandSize) return { code: 'POP3_ERR_LINE_TOO_LONG' };
  const tokens = spec ? CHECKED_TOKENS[spec.args] : undefined;
  if (tokens === undefined ? command.hasBadOctets : hasBadOctets(line, tokens)) return { code: 'POP3_ERR_BAD_OCTETS' };
  if (!spec) return { code: 'POP3_ERR_UNKNOWN_COMMAND' };
  if (!spec.states.includes(session.state)) return { code: 'POP3_ERR_WRONG_STATE' };
  const refused = spec.refuse?.(session);
  if (refused) return { code: refused };

  const { args, rest } = command;
  const [fewest, most] = ARITY[spec.args];
  if (args.length < fewest || args.length > most || (spec.args === 'rest' && rest.length === 0)) {
    return { code: 'POP3_ERR_ARGUMENT_COUNT' };
  }
  const input = { args, rest, index: -1, msn: 0, count: 0 };
  if (!spec.args.startsWith('msn') || args.length === 0) return input;

  const msn = parseCount(args[0]!);
  const count = spec.args === 'msn count' ? parseCount(args[1]!) : 0;
  if (msn === null || count === null) return { code: 'POP3_ERR_BAD_ARGUMENT' };
  if (msn === 0 || msn > session.maildrop!.count) return { code: 'POP3_ERR_NO_SUCH_MESSAGE' };
  if (session.isDeleted(msn - 1)) return { code: 'POP3_ERR_MESSAGE_DELETED', msn };
  return { ...input, index: msn - 1, msn, count };
}

/** NUL, control or 8-bit octets within the first `tokens` SPACE/TAB-separated tokens of the line. */
function hasBadOctets(line: Buffer, tokens: number): boolean {
  let seen = 0;
  let inToken = false;
  for (const octet of line) {
    if (octet === 0x20 || octet === 0x09) {
      if (inToken && ++seen === tokens) return false;
      inToken = false;
    } else {
      inToken = true;
      if (octet < 0x20 || octet > 0x7e) return true;
    }
  }
  return false;
}
