import { describe, expect, it } from 'vitest';
import { mapPrincipal } from './principal-mapper.js';

const noLocalName = () => {
  throw new Error('auth_to_local must not be consulted');
};

describe('mapPrincipal', () => {
  it('drops the default realm from single-component principals', () => {
    expect(mapPrincipal('alice@EXAMPLE.TEST', { realm: 'EXAMPLE.TEST' }, noLocalName)).toBe('alice');
  });

  it('refuses other realms, instances, escapes and a missing realm', () => {
    const mapping = { realm: 'EXAMPLE.TEST' };
    expect(mapPrincipal('alice@OTHER.TEST', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('alice@example.test', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('alice/admin@EXAMPLE.TEST', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('a\\@b@EXAMPLE.TEST', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('@EXAMPLE.TEST', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('alice', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('alice@EXAMPLE.TEST', { realm: null }, noLocalName)).toBeNull();
  });

  it('consults the table first, for any realm; an empty entry refuses', () => {
    const mapping = {
      realm: 'EXAMPLE.TEST',
      principalMap: { 'bob@PARTNER.ORG': 'bob', 'alice@EXAMPLE.TEST': 'alice.smith', 'eve@EXAMPLE.TEST': '' },
    };
    expect(mapPrincipal('bob@PARTNER.ORG', mapping, noLocalName)).toBe('bob');
    expect(mapPrincipal('alice@EXAMPLE.TEST', mapping, noLocalName)).toBe('alice.smith');
    expect(mapPrincipal('eve@EXAMPLE.TEST', mapping, noLocalName)).toBeNull();
    expect(mapPrincipal('toString@EXAMPLE.TEST', mapping, noLocalName)).toBe('toString');
  });

  it('uses auth_to_local instead of realm stripping when enabled', () => {
    const mapping = { realm: 'EXAMPLE.TEST', useAuthToLocal: true, principalMap: { 'bob@PARTNER.ORG': 'bob' } };
    expect(mapPrincipal('alice@OTHER.TEST', mapping, () => 'alice-other')).toBe('alice-other');
    expect(mapPrincipal('alice@EXAMPLE.TEST', mapping, () => null)).toBeNull();
    expect(mapPrincipal('bob@PARTNER.ORG', mapping, noLocalName)).toBe('bob');
  });
});
