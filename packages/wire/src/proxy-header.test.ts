import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  looksLikeProxyHeader,
  PROXY_HEADER_MAX_LENGTH,
  type ProxyHeaderResult,
  parseProxyHeader,
  renderProxyHeader,
} from './proxy-header.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const ascii = (text: string) => Buffer.from(text, 'latin1');

/** A v2 header from its parts: version/command byte, family/protocol byte, then the body (length computed). */
function v2(versionCommand: number, familyProtocol: number, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body.replace(/\s+/g, ''), 'hex') : body;
  const fixed = Buffer.alloc(4);
  fixed[0] = versionCommand;
  fixed[1] = familyProtocol;
  fixed.writeUInt16BE(bytes.length, 2);
  return Buffer.concat([SIGNATURE, fixed, bytes]);
}

/** IPv4 192.0.2.1:56324 -> 198.51.100.7:110 */
const IPV4_BLOCK = 'c0000201 c6336407 dc04 006e';
/** IPv6 2001:db8::1:49152 -> ::1:995 */
const IPV6_BLOCK = `20010db8000000000000000000000001 ${'00'.repeat(15)}01 c000 03e3`;

/** Feeds `input` as it would arrive in pieces cut at `cuts`, stopping at the first answer that is not incomplete. */
function parseInPieces(input: Buffer, cuts: readonly number[]): ProxyHeaderResult {
  const ends = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  for (const end of [...ends, input.length]) {
    const result = parseProxyHeader(input.subarray(0, end));
    if (result.kind !== 'incomplete') return result;
  }
  return { kind: 'incomplete' };
}

function expectEveryPrefixIncomplete(header: Buffer): void {
  for (let end = 0; end < header.length; end++) {
    expect(parseProxyHeader(header.subarray(0, end)), `prefix of ${end} octets`).toEqual({ kind: 'incomplete' });
  }
  expect(parseProxyHeader(header)).toMatchObject({ kind: 'header', consumed: header.length });
}

describe('parseProxyHeader v1', () => {
  it('parses TCP4 and leaves what follows to the session', () => {
    const line = 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 110\r\n';
    expect(parseProxyHeader(ascii(`${line}CAPA\r\n`))).toEqual({
      kind: 'header',
      consumed: line.length,
      version: 1,
      command: 'PROXY',
      family: 'tcp4',
      source: { address: '192.168.0.1', port: 56324 },
      destination: { address: '192.168.0.11', port: 110 },
      tlvs: [],
    });
  });

  it('parses TCP6 and gives addresses in the form Node uses', () => {
    const result = parseProxyHeader(ascii('PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::ffff:7f00:1 0 65535\r\n'));
    expect(result).toMatchObject({
      family: 'tcp6',
      source: { address: '2001:db8::1', port: 0 },
      destination: { address: '::ffff:127.0.0.1', port: 65535 },
    });
  });

  it('accepts UNKNOWN, short or with anything after it, without addresses', () => {
    const expected = { kind: 'header', version: 1, command: 'PROXY', family: 'unknown', tlvs: [] };
    expect(parseProxyHeader(ascii('PROXY UNKNOWN\r\n'))).toEqual({ ...expected, consumed: 15 });
    const worst = `PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
    expect(worst).toHaveLength(107);
    expect(parseProxyHeader(ascii(worst))).toEqual({ ...expected, consumed: 107 });
  });

  it('refuses a line without CRLF in its first 107 octets, at the 107th', () => {
    const tooLong = ascii(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`);
    expect(tooLong).toHaveLength(108);
    expect(parseProxyHeader(tooLong.subarray(0, 106))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(tooLong.subarray(0, 107))).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/107/),
    });
    expect(parseProxyHeader(tooLong)).toMatchObject({ kind: 'invalid' });
  });

  it.each([
    ['lower case', 'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['no space after PROXY', 'PROXY\r\n'],
    ['two spaces', 'PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['a tab', 'PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n'],
    ['an unknown protocol', 'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['UNKNOWN glued to more', 'PROXY UNKNOWNX\r\n'],
    ['no addresses', 'PROXY TCP4\r\n'],
    ['a missing port', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'],
    ['an extra field', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n'],
    ['a trailing space', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n'],
    ['IPv6 under TCP4', 'PROXY TCP4 ::1 ::1 1 2\r\n'],
    ['IPv4 under TCP6', 'PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['mixed families', 'PROXY TCP6 ::1 5.6.7.8 1 2\r\n'],
    ['a leading zero in an address', 'PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n'],
    ['a leading zero in a port', 'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'],
    ['a port above 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n'],
    ['a signed port', 'PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n'],
    ['a zone index', 'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n'],
    ['a bare LF', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'],
    ['a bare CR', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\r\n'],
    ['a NUL', 'PROXY TCP4 1.2.3.4\u00005.6.7.8 1 2\r\n'],
    ['an 8-bit octet', 'PROXY UNKNOWN \u00e9\r\n'],
    ['an HTTP request', 'GET / HTTP/1.1\r\n'],
    ['a POP3 command', 'USER alice\r\n'],
  ])('refuses %s', (_name, text) => {
    const result = parseProxyHeader(ascii(text));
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.reason.length > 0).toBe(true);
  });

  it('refuses garbage at the first octet that cannot belong to a header', () => {
    expect(parseProxyHeader(ascii('PROXZ'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(ascii('PROXY TCP4 1.2\u0001'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(ascii('PROXY TCP4 1.2\r3'))).toMatchObject({ kind: 'invalid' });
    expect(parseProxyHeader(ascii('U'))).toMatchObject({ kind: 'invalid' });
  });
});

describe('parseProxyHeader v2', () => {
  it('parses TCP over IPv4 and leaves what follows to the session', () => {
    const header = v2(0x21, 0x11, IPV4_BLOCK);
    expect(header).toHaveLength(28);
    expect(parseProxyHeader(Buffer.concat([header, ascii('CAPA\r\n')]))).toEqual({
      kind: 'header',
      consumed: 28,
      version: 2,
      command: 'PROXY',
      family: 'tcp4',
      source: { address: '192.0.2.1', port: 56324 },
      destination: { address: '198.51.100.7', port: 110 },
      tlvs: [],
    });
  });

  it('parses TCP over IPv6', () => {
    expect(parseProxyHeader(v2(0x21, 0x21, IPV6_BLOCK))).toMatchObject({
      consumed: 52,
      family: 'tcp6',
      source: { address: '2001:db8::1', port: 49152 },
      destination: { address: '::1', port: 995 },
    });
  });

  it('returns TLVs after the addresses, an empty one and one ending exactly at the end included', () => {
    const result = parseProxyHeader(v2(0x21, 0x11, `${IPV4_BLOCK} 04 0000 01 0004 706f7033`));
    expect(result).toMatchObject({ kind: 'header', family: 'tcp4', consumed: 16 + 12 + 3 + 7 });
    expect(result.kind === 'header' && result.tlvs).toEqual([
      { type: 0x04, value: Buffer.alloc(0) },
      { type: 0x01, value: ascii('pop3') },
    ]);
  });

  it('LOCAL (a health check) overrides no address, and skips any address block unread', () => {
    const expected = { kind: 'header', version: 2, command: 'LOCAL', family: 'unknown', tlvs: [] };
    expect(parseProxyHeader(v2(0x20, 0x00))).toEqual({ ...expected, consumed: 16 });
    expect(parseProxyHeader(v2(0x20, 0x11, IPV4_BLOCK))).toEqual({ ...expected, consumed: 28 });
    expect(parseProxyHeader(v2(0x20, 0x21, 'ff'))).toEqual({ ...expected, consumed: 17 });
  });

  it('gives unknown, without addresses, for AF_UNSPEC, AF_UNIX and non-stream protocols', () => {
    const unknown = { kind: 'header', command: 'PROXY', family: 'unknown' };
    expect(parseProxyHeader(v2(0x21, 0x00))).toMatchObject(unknown);
    expect(parseProxyHeader(v2(0x21, 0x00, 'ffffff'))).toMatchObject({ ...unknown, consumed: 19, tlvs: [] });
    const unix = parseProxyHeader(v2(0x21, 0x31, Buffer.alloc(216, 0x61)));
    expect(unix).toMatchObject({ ...unknown, consumed: 232 });
    expect(unix).not.toHaveProperty('source');
    expect(parseProxyHeader(v2(0x21, 0x12, IPV4_BLOCK))).toMatchObject(unknown);
    expect(parseProxyHeader(v2(0x21, 0x10, IPV4_BLOCK))).toMatchObject(unknown);
  });

  it.each([
    ['version 1', v2(0x11, 0x11, IPV4_BLOCK)],
    ['version 3', v2(0x31, 0x11, IPV4_BLOCK)],
    ['an unknown command', v2(0x22, 0x11, IPV4_BLOCK)],
    ['an unknown family', v2(0x21, 0x41, IPV4_BLOCK)],
    ['an unknown protocol', v2(0x21, 0x13, IPV4_BLOCK)],
    ['an IPv4 block too short', v2(0x21, 0x11, 'c0000201 c6336407 dc04 00')],
    ['an IPv6 block too short', v2(0x21, 0x21, IPV4_BLOCK)],
    ['a UNIX block too short', v2(0x21, 0x31, Buffer.alloc(215))],
    ['a TLV value past the end', v2(0x21, 0x11, `${IPV4_BLOCK} 01 0005 706f7033`)],
    ['a TLV length past the end', v2(0x21, 0x11, `${IPV4_BLOCK} 01 ffff 706f7033`)],
    ['a truncated TLV header', v2(0x21, 0x11, `${IPV4_BLOCK} 01 00`)],
    ['one stray octet after the addresses', v2(0x21, 0x21, `${IPV6_BLOCK} 01`)],
    ['a damaged signature', Buffer.concat([ascii('\r\n\r\n\u0000\r\nQUIT\r'), Buffer.alloc(16)])],
  ])('refuses %s', (_name, header) => {
    expect(parseProxyHeader(header).kind).toBe('invalid');
  });

  it('refuses an oversized length as soon as the length field is in, without waiting for the body', () => {
    const fixed = v2(0x21, 0x11, Buffer.alloc(521)).subarray(0, 16);
    expect(parseProxyHeader(fixed)).toEqual({ kind: 'invalid', reason: expect.stringMatching(/536/) });
    const huge = Buffer.from(fixed);
    huge.writeUInt16BE(0xffff, 14);
    expect(parseProxyHeader(huge).kind).toBe('invalid');
    const largest = v2(
      0x21,
      0x11,
      Buffer.concat([
        Buffer.from(IPV4_BLOCK.replace(/ /g, ''), 'hex'),
        Buffer.from([4, 0x01, 0xf9]),
        Buffer.alloc(505),
      ]),
    );
    expect(largest).toHaveLength(536);
    expect(parseProxyHeader(largest)).toMatchObject({ kind: 'header', consumed: 536 });
  });
});

describe('incremental input', () => {
  const valid = [
    ascii('PROXY TCP4 192.168.0.1 192.168.0.11 56324 110\r\n'),
    ascii('PROXY TCP6 2001:db8::1 ::1 65535 995\r\n'),
    ascii('PROXY UNKNOWN\r\n'),
    ascii(`PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`),
    v2(0x21, 0x11, IPV4_BLOCK),
    v2(0x21, 0x21, `${IPV6_BLOCK} 01 0004 706f7033`),
    v2(0x20, 0x00),
    v2(0x21, 0x31, Buffer.alloc(216)),
  ];

  it.each(
    valid.map((header, i) => [i, header] as const),
  )('header %i is incomplete at every truncation point', (_i, header) => {
    expectEveryPrefixIncomplete(header);
  });

  const endpoint = (address: fc.Arbitrary<string>) => fc.record({ address, port: fc.integer({ min: 0, max: 65535 }) });
  const ipv4Pair = fc.tuple(endpoint(fc.ipV4()), endpoint(fc.ipV4()));
  const ipv6Pair = fc.tuple(endpoint(fc.ipV6()), endpoint(fc.ipV6()));
  const tlv = fc.record({
    type: fc.integer({ min: 0, max: 255 }),
    value: fc.uint8Array({ maxLength: 40 }).map(Buffer.from),
  });
  const rendered = fc
    .tuple(fc.oneof(ipv4Pair, ipv6Pair), fc.constantFrom(1 as const, 2 as const), fc.array(tlv, { maxLength: 4 }))
    .map(([[source, destination], version, tlvs]) => ({
      source,
      destination,
      version,
      header: renderProxyHeader(
        version === 1 ? { version, source, destination } : { version, source, destination, tlvs },
      ),
      tlvs: version === 1 ? [] : tlvs,
    }));

  it('renders headers that parse back to the same endpoints, complete only at the last octet (property)', () => {
    fc.assert(
      fc.property(
        rendered,
        fc.uint8Array({ maxLength: 20 }),
        ({ header, source, destination, version, tlvs }, after) => {
          expectEveryPrefixIncomplete(header);
          const result = parseProxyHeader(Buffer.concat([header, after]));
          const normal = (e: typeof source) => ({ address: parseAndFormat(e.address), port: e.port });
          expect(result).toMatchObject({ kind: 'header', version, consumed: header.length, command: 'PROXY' });
          expect(result.kind === 'header' && [result.source, result.destination]).toEqual([
            normal(source),
            normal(destination),
          ]);
          expect(result.kind === 'header' && result.tlvs).toEqual(tlvs);
        },
      ),
      { numRuns: 300 },
    );
  });

  // Inputs that look like headers often enough to reach the deep branches: valid headers with octets changed,
  // cut or extended, the v1 prefix or v2 signature followed by noise, and plain noise.
  const mutated = fc
    .tuple(rendered, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat())
    .map(([{ header }, changes, cut]) => {
      const copy = Buffer.from(header);
      for (const [at, octet] of changes) copy[at % copy.length] = octet;
      return copy.subarray(0, Math.max(1, cut % (copy.length + 8)));
    });
  const noise = fc.uint8Array({ maxLength: 600 }).map(Buffer.from);
  const prefixed = fc
    .tuple(
      fc.constantFrom(
        ascii('PROXY '),
        ascii('PROXY TCP4 '),
        ascii('PROXY UNKNOWN'),
        SIGNATURE,
        v2(0x21, 0x11).subarray(0, 14),
      ),
      noise,
    )
    .map(([head, tail]) => Buffer.concat([head, tail]));
  const anyInput = fc.oneof(mutated, prefixed, noise);

  it('never throws, and pieces cut anywhere give the same answer as the whole (property)', () => {
    fc.assert(
      fc.property(anyInput, fc.array(fc.nat(), { maxLength: 6 }), (input, cuts) => {
        const whole = parseProxyHeader(input);
        expect(parseInPieces(input, cuts)).toEqual(whole);
        if (input.length >= PROXY_HEADER_MAX_LENGTH) expect(whole.kind).not.toBe('incomplete');
        if (whole.kind === 'header') {
          expect(whole.consumed).toBeLessThanOrEqual(Math.min(input.length, PROXY_HEADER_MAX_LENGTH));
          expect(parseProxyHeader(input.subarray(0, whole.consumed))).toEqual(whole);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('decides by PROXY_HEADER_MAX_LENGTH octets whatever arrives (property)', () => {
    fc.assert(
      fc.property(prefixed, (input) => {
        const padded = Buffer.concat([input, Buffer.alloc(PROXY_HEADER_MAX_LENGTH, 0x41)]);
        expect(parseProxyHeader(padded.subarray(0, PROXY_HEADER_MAX_LENGTH)).kind).not.toBe('incomplete');
      }),
    );
  });
});

function parseAndFormat(address: string): string {
  const line = parseProxyHeader(
    renderProxyHeader({ version: 1, source: { address, port: 1 }, destination: { address, port: 1 } }),
  );
  return line.kind === 'header' ? line.source!.address : 'unparsed';
}

describe('looksLikeProxyHeader', () => {
  it('recognises the v1 prefix and the v2 signature at the start of a connection', () => {
    expect(looksLikeProxyHeader(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toBe(true);
    expect(looksLikeProxyHeader(ascii('PROXY '))).toBe(true);
    expect(looksLikeProxyHeader(v2(0x21, 0x11, IPV4_BLOCK))).toBe(true);
    expect(looksLikeProxyHeader(SIGNATURE)).toBe(true);
  });

  it('says no to POP3 commands, other protocols and partial markers', () => {
    for (const text of [
      'USER alice\r\n',
      'CAPA\r\n',
      'PROXY\r\n',
      'PROXYX',
      'proxy tcp4',
      '\r\n',
      '',
      'GET / HTTP/1.1\r\n',
    ]) {
      expect(looksLikeProxyHeader(ascii(text)), text).toBe(false);
    }
    expect(looksLikeProxyHeader(SIGNATURE.subarray(0, 11))).toBe(false);
    expect(looksLikeProxyHeader(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe(false); // a TLS ClientHello
  });
});

describe('renderProxyHeader', () => {
  it('writes the forms the specification shows', () => {
    const source = { address: '192.168.0.1', port: 56324 };
    const destination = { address: '192.168.0.11', port: 443 };
    expect(renderProxyHeader({ version: 1, source, destination }).toString()).toBe(
      'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n',
    );
    expect(renderProxyHeader({ version: 1 }).toString()).toBe('PROXY UNKNOWN\r\n');
    expect(renderProxyHeader({ version: 2, source, destination }).subarray(12, 16)).toEqual(
      Buffer.from([0x21, 0x11, 0, 12]),
    );
    expect(renderProxyHeader({ version: 2, command: 'LOCAL', source, destination })).toEqual(v2(0x20, 0x00));
  });

  it('refuses what it cannot write', () => {
    const v4 = { address: '10.0.0.1', port: 1 };
    const v6 = { address: '::1', port: 1 };
    expect(() => renderProxyHeader({ version: 1, source: v4, destination: v6 })).toThrow(/family/);
    expect(() => renderProxyHeader({ version: 2, source: { address: 'host', port: 1 }, destination: v4 })).toThrow(
      RangeError,
    );
    expect(() => renderProxyHeader({ version: 2, source: { ...v4, port: 65536 }, destination: v4 })).toThrow(/port/);
    expect(() => renderProxyHeader({ version: 1, command: 'LOCAL' })).toThrow(RangeError);
    expect(() => renderProxyHeader({ version: 2, tlvs: [{ type: 1, value: Buffer.alloc(600) }] })).toThrow(/536/);
    expect(() => renderProxyHeader({ version: 2, tlvs: [{ type: 256, value: Buffer.alloc(1) }] })).toThrow(/octet/);
  });
});
