import { parseCidr } from '@poplar/wire';
import { type ListenAddress, parseListenAddress } from './listen-address.js';
import type { TableReader } from './table-reader.js';

/** A listener: where it binds and whether each connection starts with a PROXY protocol header. */
export interface ListenerConfig extends ListenAddress {
  readonly proxyProtocol: boolean;
}

/** How PROXY listeners read their header; present when at least one listener has ProxyProtocol on. */
export interface ProxySettings {
  /** Networks (CIDR) of the proxies allowed to connect to a PROXY listener; nobody else is served there. */
  readonly trustedProxies: readonly string[];
  readonly headerTimeoutMs: number;
}

export interface Listeners {
  readonly plainListeners: readonly ListenerConfig[];
  readonly tlsListeners: readonly ListenerConfig[];
  readonly proxy: ProxySettings | undefined;
}

const DEFAULT_PLAIN = ['0.0.0.0:110', '[::]:110'];
const DEFAULT_TLS = ['0.0.0.0:995', '[::]:995'];
const PROXY_PROTOCOL = 'ProxyProtocol';
const TRUSTED_PROXIES = 'TrustedProxies';

/**
 * UnencryptedOrTLSBindings and SSLBindings, whose items are "host:port" or { Address = "host:port", ProxyProtocol =
 * true }, with the top-level ProxyProtocol as the default for every item; then TrustedProxies (required as soon as a
 * listener expects a header) and ProxyHeaderTimeout.
 */
export function readListeners(root: TableReader, tlsConfigured: boolean): Listeners {
  const proxyDefault = root.boolean(PROXY_PROTOCOL, false);
  const listener = (key: string, text: string, proxyProtocol: boolean): ListenerConfig => {
    const address = parseListenAddress(text);
    if (typeof address === 'string') throw root.error(key, address);
    return { ...address, proxyProtocol };
  };
  const bindings = (key: string, fallback: readonly string[]): ListenerConfig[] =>
    root.stringOrTableList(key, fallback).map((item) => {
      if (typeof item === 'string') return listener(key, item, proxyDefault);
      const text = item.optionalString('Address', 300);
      if (text === undefined) throw root.error(key, 'each table in the list needs an Address = "host:port"');
      const proxyProtocol = item.boolean(PROXY_PROTOCOL, proxyDefault);
      item.finish();
      return listener(key, text, proxyProtocol);
    });
  const plainListeners = bindings('UnencryptedOrTLSBindings', DEFAULT_PLAIN);
  const tlsListeners = bindings('SSLBindings', tlsConfigured ? DEFAULT_TLS : []);

  const trustedProxies = root.stringList(TRUSTED_PROXIES, []);
  for (const network of trustedProxies) {
    try {
      parseCidr(network);
    } catch (err) {
      throw root.error(TRUSTED_PROXIES, (err as Error).message);
    }
  }
  const headerTimeoutMs = root.seconds('ProxyHeaderTimeout', 3, 0.5, 60);
  const proxied = [...plainListeners, ...tlsListeners].find((listener) => listener.proxyProtocol);
  if (proxied === undefined) return { plainListeners, tlsListeners, proxy: undefined };
  if (trustedProxies.length === 0) {
    const where = proxyDefault
      ? PROXY_PROTOCOL
      : plainListeners.includes(proxied)
        ? 'UnencryptedOrTLSBindings'
        : 'SSLBindings';
    throw root.error(
      where,
      `a listener with ProxyProtocol needs ${TRUSTED_PROXIES}, the networks of the proxies that may send the header ` +
        '(e.g. ["10.0.0.0/24"])',
    );
  }
  return { plainListeners, tlsListeners, proxy: { trustedProxies, headerTimeoutMs } };
}
