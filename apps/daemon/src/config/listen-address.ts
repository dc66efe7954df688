import { isIP } from 'node:net';

/** Where a listener binds: an IPv4 or IPv6 literal (or a host name) and a port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses "0.0.0.0:110", "[::]:110" or "localhost:110" (Exchange's binding syntax). Returns the reason as a string
 * when the text is not a valid address.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return `"${text}" is not host:port (write IPv6 addresses as [::1]:110)`;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) return `"${text}": port must be 0-65535`;
  if (match[1] !== undefined && isIP(host) !== 6) return `"${text}": ${host} is not an IPv6 address`;
  if (match[2] !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host)) {
    return `"${text}": ${host} is not an IPv4 address or host name`;
  }
  return { host, port };
}

export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
