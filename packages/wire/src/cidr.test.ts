import { isIP, SocketAddress } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, createCidrMatcher, formatIpAddress, parseCidr, parseIpAddress } from './cidr.js';

const bytes = (text: string) => [...(parseIpAddress(text) ?? [])];

describe('parseIpAddress / formatIpAddress', () => {
  it('parses IPv4 and IPv6 text into bytes', () => {
    expect(bytes('127.0.0.1')).toEqual([127, 0, 0, 1]);
    expect(bytes('0.0.0.0')).toEqual([0, 0, 0, 0]);
    expect(bytes('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(bytes('::')).toEqual(Array(16).fill(0));
    expect(bytes('2001:DB8::ff00:42:8329')).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29,
    ]);
    expect(bytes('::ffff:10.1.2.3')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3]);
    expect(bytes('1:2:3:4:5:6:7::')).toHaveLength(16);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.256',
    '1.2.3.4 ',
    '+1.2.3.4',
    '1..2.3',
    ':::',
    '1:::2',
    '::1::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::01.2.3.4',
  ])('refuses %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });

  it('accepts exactly what node:net accepts, zone indexes aside (property)', () => {
    const candidate = fc.stringMatching(/^[0-9a-fA-F:.]{0,24}$/);
    const valid = fc.oneof(fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(fc.oneof(candidate, valid), (text) => {
        expect(parseIpAddress(text) !== undefined).toBe(isIP(text) !== 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('formats IPv6 exactly as Node reports socket addresses (property)', () => {
    // Runs of zeros are what the compression rules are about, so draw groups from a small set.
    const group = fc.constantFrom(0, 0, 0, 1, 0xffff, 0x102, 0xdb8);
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const raw = new Uint8Array(16);
        groups.forEach((g, i) => {
          raw[2 * i] = g >> 8;
          raw[2 * i + 1] = g & 0xff;
        });
        const text = formatIpAddress(raw);
        expect(text).toBe(new SocketAddress({ address: text, family: 'ipv6' }).address);
        expect(text).toBe(
          new SocketAddress({ address: groups.map((g) => g.toString(16)).join(':'), family: 'ipv6' }).address,
        );
        expect(parseIpAddress(text)).toEqual(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats the usual cases', () => {
    expect(formatIpAddress(new Uint8Array([10, 0, 0, 255]))).toBe('10.0.0.255');
    expect(formatIpAddress(parseIpAddress('0:0:0:0:0:0:0:1')!)).toBe('::1');
    expect(formatIpAddress(parseIpAddress('::ffff:7f00:1')!)).toBe('::ffff:127.0.0.1');
    expect(formatIpAddress(parseIpAddress('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIpAddress(parseIpAddress('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(() => formatIpAddress(new Uint8Array(5))).toThrow(RangeError);
  });
});

describe('parseCidr', () => {
  it('parses networks and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 4, network: new Uint8Array([10, 0, 0, 0]), prefixLength: 8 });
    expect(parseCidr('127.0.0.1')).toMatchObject({ family: 4, prefixLength: 32 });
    expect(parseCidr('::1')).toMatchObject({ family: 6, prefixLength: 128 });
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ family: 4, prefixLength: 0 });
    expect(parseCidr('fd00::/8')).toMatchObject({ family: 6, prefixLength: 8 });
  });

  it('refuses set host bits and says which network was meant', () => {
    expect(() => parseCidr('10.0.0.1/8')).toThrow(/host bits are set \(did you mean 10\.0\.0\.0\/8\?\)/);
    expect(() => parseCidr('fd00::1/8')).toThrow(/did you mean fd00::\/8/);
  });

  it.each([
    '',
    '/8',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '::/129',
    '10.0.0.0/8/8',
    'localhost',
    ' 10.0.0.0/8',
  ])('refuses %j with a message naming it', (text) => {
    expect(() => parseCidr(text)).toThrow(RangeError);
    expect(() => parseCidr(text)).toThrow(`"${text}"`);
  });
});

describe('cidrContains / createCidrMatcher', () => {
  it('matches on the prefix bits only', () => {
    const net = parseCidr('192.168.4.0/22');
    expect(cidrContains(net, '192.168.4.0')).toBe(true);
    expect(cidrContains(net, '192.168.7.255')).toBe(true);
    expect(cidrContains(net, '192.168.8.0')).toBe(false);
    expect(cidrContains(net, '192.168.3.255')).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), '203.0.113.9')).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/32'), '2001:db8:ffff::1')).toBe(true);
    expect(cidrContains(parseCidr('2001:db8::/32'), '2001:db9::1')).toBe(false);
  });

  it('treats an IPv4-mapped IPv6 peer as the IPv4 address it carries, both ways', () => {
    const loopback = createCidrMatcher(['127.0.0.0/8']);
    expect(loopback('::ffff:127.0.0.1')).toBe(true);
    expect(loopback('::FFFF:127.1.2.3')).toBe(true);
    expect(loopback('::ffff:128.0.0.1')).toBe(false);
    expect(loopback('::1')).toBe(false);
    const mapped = createCidrMatcher(['::ffff:10.0.0.0/104']);
    expect(mapped('10.20.30.40')).toBe(true);
    expect(mapped('11.0.0.1')).toBe(false);
  });

  it('keeps the families apart otherwise and matches nothing that is not an address', () => {
    const trusted = createCidrMatcher(['127.0.0.0/8', '::1/128', '10.0.0.0/8']);
    expect(trusted('127.0.0.2')).toBe(true);
    expect(trusted('::1')).toBe(true);
    expect(trusted('10.255.255.255')).toBe(true);
    expect(trusted('::2')).toBe(false);
    expect(trusted('::a00:1')).toBe(false); // ::10.0.0.1 (IPv4-compatible) is not 10.0.0.1
    expect(trusted('11.0.0.1')).toBe(false);
    expect(trusted(undefined)).toBe(false);
    expect(trusted('')).toBe(false);
    expect(trusted('not an address')).toBe(false);
    expect(createCidrMatcher([])('127.0.0.1')).toBe(false);
  });

  it('ignores the zone index of a link-local peer', () => {
    expect(createCidrMatcher(['fe80::/10'])('fe80::1%eth0')).toBe(true);
  });

  it('throws on the first bad network when the list is parsed', () => {
    expect(() => createCidrMatcher(['127.0.0.0/8', '10.0.0.0/40'])).toThrow(/"10\.0\.0\.0\/40"/);
  });

  it('agrees with a bit-by-bit reference for random IPv4 networks (property)', () => {
    const toInt = (b: number[]) => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (networkText, peer, prefix) => {
        const maskBits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const network = (toInt(bytes(networkText)) & maskBits) >>> 0;
        const cidr = parseCidr(
          `${formatIpAddress(new Uint8Array([network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255]))}/${prefix}`,
        );
        const expected = (toInt(bytes(peer)) & maskBits) >>> 0 === network;
        expect(cidrContains(cidr, peer)).toBe(expected);
        expect(cidrContains(cidr, `::ffff:${peer}`)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
