/**
 * The texts of positive answers and of the closing line, Exchange's by default. The greeting text is the banner
 * setting; USER, DELE, NOOP, RSET, CAPA, UIDL and TOP answer a bare "+OK" as Exchange does.
 */
export const REPLIES = {
  POP3_OK_LOGGED_ON: 'User successfully logged on.',
  POP3_OK_AUTHENTICATED: 'User successfully authenticated.',
  POP3_OK_SIGNING_OFF: 'Microsoft Exchange Server 2013 POP3 server signing off.',
  POP3_OK_BEGIN_TLS: 'Begin TLS negotiation.',
  /** The second line Exchange adds (without a status) to the answer that reaches a limit, before closing. */
  POP3_CLOSING: 'Connection is closed. 21',
} as const satisfies Record<string, string>;

export type ReplyCode = keyof typeof REPLIES;
