import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

let counter = 0;

/** The host name as the Maildir spec wants it in file names: '/' and ':' (and ',' for Dovecot) escaped. */
export function maildirHostname(host: string = hostname()): string {
  return host.replace(/[/:,\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`) || 'localhost';
}

/**
 * A new Maildir unique name, `<seconds>.M<microseconds>P<pid>Q<counter>R<random>.<host>`, the form qmail and
 * Dovecot use. The random part keeps names unique across containers that share a Maildir and reuse pids.
 */
export function newUniqueName(now: number = Date.now(), host: string = maildirHostname()): string {
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000;
  counter = (counter + 1) % 1_000_000_000;
  return `${seconds}.M${micros}P${process.pid}Q${counter}R${randomBytes(6).toString('hex')}.${host}`;
}
