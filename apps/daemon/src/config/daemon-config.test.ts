import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseDaemonConfig } from './daemon-config.js';

const FILE = '/etc/poplar/poplar.toml';
const BASE = 'MailRoot = "mail"\nUsersFile = "/etc/poplar/users"\n';

function errorOf(text: string): ConfigError {
  try {
    parseDaemonConfig(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseDaemonConfig', () => {
  it('applies the Exchange defaults and resolves relative paths from the file', () => {
    const config = parseDaemonConfig(BASE, FILE);
    expect(config.mailRoot).toBe('/etc/poplar/mail');
    expect(config.session.maxCommandSize).toBe(512);
    expect(config.session.preAuthenticatedTimeoutMs).toBe(60_000);
    expect(config.session.authenticatedTimeoutMs).toBe(1_800_000);
    expect(config.session.loginType).toBe('SecureLogin');
    expect(config.exactSize).toBe(true);
    expect(config.blockingReads).toBe(true);
    expect(config.crlfCacheAfterReads).toBe(2);
    expect(config.mechanisms).toEqual(['NTLM', 'GSSAPI', 'PLAIN']);
    expect(config.plainListeners).toEqual([
      { host: '0.0.0.0', port: 110, proxyProtocol: false },
      { host: '::', port: 110, proxyProtocol: false },
    ]);
    expect(config.tlsListeners).toEqual([]);
    expect(config.proxy).toBeUndefined();
  });

  it('reads settings, IPv6 listeners and nested tables', () => {
    const config = parseDaemonConfig(
      `${BASE}LoginType = "plaintextlogin"\nUnencryptedOrTLSBindings = ["[::1]:1110", "127.0.0.1:0"]\n` +
        'TlsCertificateFile = "cert.pem"\nTlsKeyFile = "key.pem"\nMechanisms = ["plain"]\n' +
        'BlockingReads = false\nCrlfCacheAfterReads = 1\n[NTLM]\nDomain = "EXAMPLE"\n[GSSAPI]\nPrincipalMap = { "bob@OTHER.TEST" = "robert" }\n',
      FILE,
    );
    expect(config.session.loginType).toBe('PlainTextLogin');
    expect(config.plainListeners).toEqual([
      { host: '::1', port: 1110, proxyProtocol: false },
      { host: '127.0.0.1', port: 0, proxyProtocol: false },
    ]);
    expect(config.tlsListeners).toEqual([
      { host: '0.0.0.0', port: 995, proxyProtocol: false },
      { host: '::', port: 995, proxyProtocol: false },
    ]);
    expect(config.tls).toEqual({ certificateFile: '/etc/poplar/cert.pem', keyFile: '/etc/poplar/key.pem' });
    expect(config.mechanisms).toEqual(['PLAIN']);
    expect(config.blockingReads).toBe(false);
    expect(config.crlfCacheAfterReads).toBe(1);
    expect(config.ntlm.domain).toBe('EXAMPLE');
    expect(config.gssapi.principalMap.get('bob@OTHER.TEST')).toBe('robert');
  });

  it('names the setting and its line for a value out of range', () => {
    const err = errorOf(`${BASE}\n# timeouts\nPreAuthenticatedConnectionTimeout = 10\n`);
    expect(err.line).toBe(5);
    expect(err.message).toBe(
      `${FILE}:5: PreAuthenticatedConnectionTimeout: must be between 30 and 3600 seconds, not 10`,
    );
  });

  it('names an unknown setting, inside a table too, and suggests the right case', () => {
    expect(errorOf(`${BASE}MaxConection = 5\n`).message).toBe(`${FILE}:3: MaxConection: unknown setting`);
    expect(errorOf(`${BASE}maxconnections = 5\n`).message).toContain('did you mean MaxConnections?');
    const nested = errorOf(`${BASE}[NTLM]\nDomain = "X"\nDomian = "Y"\n`);
    expect(nested.message).toBe(`${FILE}:5: NTLM.Domian: unknown setting`);
  });

  it('reads Workers: "auto" (the default) is one per core, 1 serves in one process', () => {
    expect(parseDaemonConfig(BASE, FILE).workers).toBe(availableParallelism());
    expect(parseDaemonConfig(`${BASE}Workers = "Auto"\n`, FILE).workers).toBe(availableParallelism());
    expect(parseDaemonConfig(`${BASE}Workers = 1\n`, FILE).workers).toBe(1);
    expect(parseDaemonConfig(`${BASE}Workers = 6\n`, FILE).workers).toBe(6);
    expect(errorOf(`${BASE}Workers = 0\n`).message).toBe(`${FILE}:3: Workers: must be between 1 and 1024, not 0`);
    expect(errorOf(`${BASE}Workers = "all"\n`).message).toBe(
      `${FILE}:3: Workers: must be "auto" or an integer between 1 and 1024, not "all"`,
    );
    expect(errorOf(`${BASE}Workers = 1.5\n`).message).toContain('Workers: must be an integer');
  });

  it('reports TOML syntax errors with their line', () => {
    const err = errorOf(`${BASE}Banner = "unterminated\n`);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/TOML syntax error/);
  });

  it('refuses wrong types, bad listeners, unknown mechanisms and half a TLS pair', () => {
    expect(errorOf(`${BASE}EnableExactRFC822Size = "yes"\n`).message).toContain('must be true or false');
    expect(errorOf(`${BASE}UnencryptedOrTLSBindings = ["::1:110"]\n`).message).toContain('not host:port');
    expect(errorOf(`${BASE}Mechanisms = ["CRAM-MD5"]\n`).message).toContain('unknown mechanism "CRAM-MD5"');
    expect(errorOf(`${BASE}Mechanisms = ["PLAIN", "plain"]\n`).message).toContain('PLAIN is listed twice');
    expect(errorOf(`${BASE}TlsKeyFile = "k.pem"\n`).message).toContain('go together');
    expect(errorOf(`${BASE}SSLBindings = ["0.0.0.0:995"]\n`).message).toContain('need TlsCertificateFile');
    expect(errorOf(`${BASE}LoginType = "Kerberos"\n`).message).toContain('must be one of PlainTextLogin');
    expect(errorOf('UsersFile = "u"\n').message).toBe(`${FILE}: MailRoot is required`);
  });
});
