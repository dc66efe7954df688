import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it('reads IPv4, IPv6 and host names', () => {
    expect(parseListenAddress('0.0.0.0:110')).toEqual({ host: '0.0.0.0', port: 110 });
    expect(parseListenAddress('[::]:995')).toEqual({ host: '::', port: 995 });
    expect(parseListenAddress('localhost:1110')).toEqual({ host: 'localhost', port: 1110 });
    expect(formatListenAddress({ host: '::1', port: 110 })).toBe('[::1]:110');
  });

  it('refuses what is not host:port', () => {
    for (const bad of ['110', '::1:110', '[127.0.0.1]:110', '1.2.3.4:70000', 'a b:1', '[::1]', '']) {
      expect(typeof parseListenAddress(bad)).toBe('string');
    }
  });
});
