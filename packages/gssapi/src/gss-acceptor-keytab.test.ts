import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keytabName } from './gss-acceptor.js';

describe('keytabName', () => {
  it('makes paths absolute FILE: names and keeps typed names', () => {
    expect(keytabName('/etc/poplar/pop.keytab')).toBe('FILE:/etc/poplar/pop.keytab');
    expect(keytabName('pop.keytab')).toBe(`FILE:${resolve('pop.keytab')}`);
    expect(keytabName('FILE:/etc/krb5.keytab')).toBe('FILE:/etc/krb5.keytab');
    expect(keytabName('MEMORY:test')).toBe('MEMORY:test');
  });
});
