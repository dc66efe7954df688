import type { CommandSpec } from './command-spec.js';
import { PRE_AUTH } from './command-spec.js';

/**
 * STLS (RFC 2595): before login, once, and only where TLS is configured. Everything the client sent before the
 * handshake is thrown away unread, so commands pipelined after STLS are never executed; the session then goes on
 * over the stream the host's startTls returns, in AUTHORIZATION with no USER pending.
 */
export const stls: CommandSpec = {
  name: 'STLS',
  states: PRE_AUTH,
  args: 'none',
  refuse(session) {
    if (!session.engine.startTls) return 'POP3_ERR_NOT_SUPPORTED';
    return session.connection.secure ? 'POP3_ERR_WRONG_STATE' : undefined;
  },
  async run(session) {
    session.channel.discardInput();
    await session.reply(session.engine.texts.ok('POP3_OK_BEGIN_TLS'));
    await session.channel.flush();
    // Bytes that arrive from here on belong to the handshake and stay in the stream for the TLS layer.
    await session.channel.upgrade(session.engine.startTls!);
    session.connection = { ...session.connection, secure: true };
    session.state = 'AUTHORIZATION';
    session.pendingUser = undefined;
    session.emit({ type: 'tls' });
  },
};
