import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseDaemonConfig } from './daemon-config.js';

const FILE = '/etc/poplar/poplar.toml';
const BASE = 'MailRoot = "mail"\nUsersFile = "users"\nTlsCertificateFile = "c.pem"\nTlsKeyFile = "k.pem"\n';

function errorOf(text: string): ConfigError {
  try {
    parseDaemonConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('PROXY protocol settings', () => {
  it('turns the header on for every listener with ProxyProtocol = true', () => {
    const config = parseDaemonConfig(
      `${BASE}ProxyProtocol = true\nTrustedProxies = ["10.0.0.0/24", "::1"]\nSSLBindings = ["0.0.0.0:995"]\n`,
      FILE,
    );
    expect(config.plainListeners.every((listener) => listener.proxyProtocol)).toBe(true);
    expect(config.tlsListeners).toEqual([{ host: '0.0.0.0', port: 995, proxyProtocol: true }]);
    expect(config.proxy).toEqual({ trustedProxies: ['10.0.0.0/24', '::1'], headerTimeoutMs: 3000 });
  });

  it('turns it on or off per listener with an inline table', () => {
    const config = parseDaemonConfig(
      `${BASE}UnencryptedOrTLSBindings = ["127.0.0.1:110", { Address = "[::]:10110", ProxyProtocol = true }]\n` +
        'SSLBindings = [{ Address = "0.0.0.0:995" }]\nTrustedProxies = ["192.0.2.0/28"]\nProxyHeaderTimeout = 1.5\n',
      FILE,
    );
    expect(config.plainListeners).toEqual([
      { host: '127.0.0.1', port: 110, proxyProtocol: false },
      { host: '::', port: 10110, proxyProtocol: true },
    ]);
    expect(config.tlsListeners).toEqual([{ host: '0.0.0.0', port: 995, proxyProtocol: false }]);
    expect(config.proxy?.headerTimeoutMs).toBe(1500);

    const overridden = parseDaemonConfig(
      `${BASE}ProxyProtocol = true\nTrustedProxies = ["10.0.0.1"]\n` +
        'UnencryptedOrTLSBindings = [{ Address = "127.0.0.1:110", ProxyProtocol = false }, "0.0.0.0:10110"]\n',
      FILE,
    );
    expect(overridden.plainListeners.map((listener) => listener.proxyProtocol)).toEqual([false, true]);
  });

  it('needs TrustedProxies, located at the line that turned the header on', () => {
    expect(errorOf(`${BASE}\nProxyProtocol = true\n`).message).toBe(
      `${FILE}:6: ProxyProtocol: a listener with ProxyProtocol needs TrustedProxies, the networks of the proxies ` +
        'that may send the header (e.g. ["10.0.0.0/24"])',
    );
    expect(errorOf(`${BASE}SSLBindings = [{ Address = "0.0.0.0:995", ProxyProtocol = true }]\n`).message).toMatch(
      /^\/etc\/poplar\/poplar\.toml:5: SSLBindings: a listener with ProxyProtocol needs TrustedProxies/,
    );
    expect(errorOf(`${BASE}ProxyProtocol = true\nTrustedProxies = []\n`).message).toContain('needs TrustedProxies');
  });

  it('refuses bad networks, bad listener tables and a header timeout out of range', () => {
    expect(errorOf(`${BASE}ProxyProtocol = true\nTrustedProxies = ["10.0.0.1/8"]\n`).message).toBe(
      `${FILE}:6: TrustedProxies: invalid network "10.0.0.1/8": host bits are set (did you mean 10.0.0.0/8?)`,
    );
    expect(errorOf(`${BASE}TrustedProxies = ["proxy.example.com"]\n`).message).toContain('is not an IP address');
    expect(errorOf(`${BASE}TrustedProxies = "10.0.0.0/8"\n`).message).toContain('must be an array of strings');
    expect(errorOf(`${BASE}ProxyProtocol = "yes"\n`).message).toContain('ProxyProtocol: must be true or false');
    expect(errorOf(`${BASE}UnencryptedOrTLSBindings = [{ ProxyProtocol = true }]\n`).message).toBe(
      `${FILE}:5: UnencryptedOrTLSBindings: each table in the list needs an Address = "host:port"`,
    );
    expect(errorOf(`${BASE}UnencryptedOrTLSBindings = [{ Address = "0.0.0.0:110", Proxy = true }]\n`).message).toBe(
      `${FILE}:5: UnencryptedOrTLSBindings.Proxy: unknown setting`,
    );
    expect(errorOf(`${BASE}UnencryptedOrTLSBindings = [{ Address = "0.0.0.0" }]\n`).message).toContain('not host:port');
    expect(errorOf(`${BASE}UnencryptedOrTLSBindings = [110]\n`).message).toContain(
      'must be an array of strings or inline tables',
    );
    expect(errorOf(`${BASE}ProxyHeaderTimeout = 120\n`).message).toContain('between 0.5 and 60 seconds');
  });
});
