import { type GssapiBinding, loadGssapi } from '@poplar/gssapi';
import { describe, expect, it } from 'vitest';
import { createGssapiMechanism } from './gssapi-mechanism.js';

describe('createGssapiMechanism when it cannot work', () => {
  it('is unavailable, with the reason, when the binding does not load', () => {
    const binding = loadGssapi({ path: '/nonexistent/build/Release/gssapi.node' });
    const mechanism = createGssapiMechanism({ keytab: '/etc/poplar/pop.keytab', binding });
    expect(mechanism).toMatchObject({ name: 'GSSAPI', plaintext: false, clientFirst: true, available: false });
    expect(mechanism.unavailableReason).toContain('install libkrb5-dev');
    expect(() =>
      mechanism.start({
        connection: { id: 'x', remoteAddress: '127.0.0.1', secure: false },
        signal: new AbortController().signal,
      }),
    ).toThrow(/^GSSAPI is unavailable: /);
  });

  it('is unavailable when the keytab file cannot be read', () => {
    // Only the keytab check runs here: the binding is never asked for an acceptor.
    const binding: GssapiBinding = {
      path: 'unused',
      createAcceptor: () => expect.fail('no acceptor expected'),
      defaultRealm: () => 'EXAMPLE.TEST',
      liveHandles: () => 0,
    };
    for (const keytab of ['FILE:/nonexistent/pop.keytab', '/nonexistent/pop.keytab']) {
      const mechanism = createGssapiMechanism({ keytab, binding });
      expect(mechanism.available).toBe(false);
      expect(mechanism.unavailableReason).toBe('keytab /nonexistent/pop.keytab is not readable (ENOENT)');
    }
    expect(createGssapiMechanism({ keytab: 'MEMORY:pop', binding }).available).toBe(true);
  });
});
