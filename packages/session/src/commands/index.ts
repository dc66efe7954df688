import { apop } from './apop.js';
import { auth } from './auth.js';
import { capa } from './capa.js';
import type { CommandSpec } from './command-spec.js';
import { dele } from './dele.js';
import { list } from './list.js';
import { noop } from './noop.js';
import { pass } from './pass.js';
import { quit } from './quit.js';
import { retr } from './retr.js';
import { rset } from './rset.js';
import { stat } from './stat.js';
import { stls } from './stls.js';
import { top } from './top.js';
import { uidl } from './uidl.js';
import { user } from './user.js';

/** The command table: keyword -> spec. The dispatcher is the only reader. */
export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  [user, pass, apop, auth, stls, capa, quit, stat, list, retr, dele, noop, rset, top, uidl].map((spec) => [
    spec.name,
    spec,
  ]),
);
