import { formatIpAddress, parseIpAddress } from './cidr.js';

/** An address and TCP port carried in a PROXY header. IPv6 addresses are in RFC 5952 form. */
export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A v2 type-length-value extension (PP2_TYPE_ALPN, PP2_TYPE_SSL ...), its value copied out of the input. */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Buffer;
}

/** A complete, valid header. `source` and `destination` are present only when they replace the socket's own. */
export interface ProxyHeader {
  readonly kind: 'header';
  /** Octets the header occupies at the start of the input; whatever follows belongs to the session. */
  readonly consumed: number;
  readonly version: 1 | 2;
  /** LOCAL is the proxy speaking for itself (a health check): keep the socket's real addresses. */
  readonly command: 'PROXY' | 'LOCAL';
  readonly family: 'tcp4' | 'tcp6' | 'unknown';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
  /** v2 extensions after the address block (always empty for v1, LOCAL and unspecified families). */
  readonly tlvs: readonly ProxyTlv[];
}

export type ProxyHeaderResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | ProxyHeader;

/** The longest v1 line, CRLF included. */
export const PROXY_V1_MAX_LENGTH = 107;
/**
 * The longest v2 header accepted: one minimal TCP segment (576 - 40 octets), which the specification expects a
 * header to fit in. Leaves 508 octets of TLVs after IPv4 addresses, 484 after IPv6.
 */
export const PROXY_V2_MAX_LENGTH = 536;
/** No valid header is longer; at this many buffered octets the parser has always decided. */
export const PROXY_HEADER_MAX_LENGTH = Math.max(PROXY_V1_MAX_LENGTH, PROXY_V2_MAX_LENGTH);

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_LENGTH = 16;
const CR = 0x0d;
const LF = 0x0a;
/** Address block sizes by v2 family: AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX. */
const V2_ADDRESS_LENGTH = [0, 12, 36, 216] as const;
const V2_STREAM = 1;

const INCOMPLETE = Object.freeze({ kind: 'incomplete' as const });
const NOT_PROXY = 'not a PROXY protocol header';
const invalid = (reason: string) => ({ kind: 'invalid' as const, reason });

/**
 * Parses a PROXY protocol header (v1 text or v2 binary) at the start of `buffered`, everything received so far.
 * I/O-free and incremental: call again with more bytes while it answers `incomplete`. Every decision depends only
 * on the bytes it has seen, so a header split anywhere gives the same answer, and garbage is refused as soon as it
 * shows (at the first octet that cannot belong to a header). Once PROXY_HEADER_MAX_LENGTH octets are buffered the
 * answer is never `incomplete`. Never throws.
 */
export function parseProxyHeader(buffered: Buffer): ProxyHeaderResult {
  if (buffered.length === 0) return INCOMPLETE;
  if (buffered[0] === V1_PREFIX[0]) return parseV1(buffered);
  if (buffered[0] === V2_SIGNATURE[0]) return parseV2(buffered);
  return invalid(NOT_PROXY);
}

/**
 * Whether the first bytes of a connection are a PROXY header: "PROXY " or the 12-octet v2 signature. For a listener
 * that does not expect one, so that it can refuse it clearly. Shorter input answers false.
 */
export function looksLikeProxyHeader(firstBytes: Buffer): boolean {
  const startsWith = (prefix: Buffer) =>
    firstBytes.length >= prefix.length && firstBytes.subarray(0, prefix.length).equals(prefix);
  return startsWith(V1_PREFIX) || startsWith(V2_SIGNATURE);
}

function parseV1(buffered: Buffer): ProxyHeaderResult {
  const limit = Math.min(buffered.length, PROXY_V1_MAX_LENGTH);
  for (let i = 0; i < limit; i++) {
    const octet = buffered[i]!;
    if (i < V1_PREFIX.length && octet !== V1_PREFIX[i]) return invalid(NOT_PROXY);
    if (octet === LF) {
      if (buffered[i - 1] !== CR) return invalid('v1 header ends in a bare LF');
      return parseV1Line(buffered.toString('latin1', 0, i - 1), i + 1);
    }
    if (i > 0 && buffered[i - 1] === CR) return invalid('v1 header has a CR not followed by LF');
    if (octet !== CR && (octet < 0x20 || octet > 0x7e)) return invalid('v1 header holds a control or non-ASCII octet');
  }
  if (buffered.length >= PROXY_V1_MAX_LENGTH) return invalid('v1 header has no CRLF within 107 octets');
  return INCOMPLETE;
}

function parseV1Line(line: string, consumed: number): ProxyHeaderResult {
  const fields = line.split(' ');
  const protocol = fields[1];
  // For UNKNOWN the rest of the line is to be ignored, whatever it holds.
  if (protocol === 'UNKNOWN') {
    return { kind: 'header', consumed, version: 1, command: 'PROXY', family: 'unknown', tlvs: [] };
  }
  if (protocol !== 'TCP4' && protocol !== 'TCP6') {
    return invalid('v1 header names no known protocol (TCP4, TCP6, UNKNOWN)');
  }
  if (fields.length !== 6) return invalid('v1 header needs exactly two addresses and two ports, one space apart');
  const addressLength = protocol === 'TCP4' ? 4 : 16;
  const source = parseIpAddress(fields[2]!);
  const destination = parseIpAddress(fields[3]!);
  if (source?.length !== addressLength || destination?.length !== addressLength) {
    return invalid(`v1 header has an address that is not ${protocol === 'TCP4' ? 'IPv4' : 'IPv6'}`);
  }
  const sourcePort = parsePort(fields[4]!);
  const destinationPort = parsePort(fields[5]!);
  if (sourcePort === undefined || destinationPort === undefined) return invalid('v1 header has an invalid port');
  return {
    kind: 'header',
    consumed,
    version: 1,
    command: 'PROXY',
    family: protocol === 'TCP4' ? 'tcp4' : 'tcp6',
    source: { address: formatIpAddress(source), port: sourcePort },
    destination: { address: formatIpAddress(destination), port: destinationPort },
    tlvs: [],
  };
}

/** Decimal 0-65535 without leading zeros (the specification forbids them to avoid octal confusion). */
function parsePort(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 0xffff ? port : undefined;
}

function parseV2(buffered: Buffer): ProxyHeaderResult {
  const signatureSeen = Math.min(buffered.length, V2_SIGNATURE.length);
  if (!buffered.subarray(0, signatureSeen).equals(V2_SIGNATURE.subarray(0, signatureSeen))) return invalid(NOT_PROXY);
  if (buffered.length <= V2_SIGNATURE.length) return INCOMPLETE;
  const versionCommand = buffered[12]!;
  if (versionCommand >> 4 !== 2) return invalid('v2 header has a version other than 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('v2 header has an unknown command');
  if (buffered.length < 14) return INCOMPLETE;
  const familyProtocol = buffered[13]!;
  const family = familyProtocol >> 4;
  const protocol = familyProtocol & 0x0f;
  if (family > 3) return invalid('v2 header has an unknown address family');
  if (protocol > 2) return invalid('v2 header has an unknown transport protocol');
  if (buffered.length < V2_FIXED_LENGTH) return INCOMPLETE;
  const consumed = V2_FIXED_LENGTH + buffered.readUInt16BE(14);
  if (consumed > PROXY_V2_MAX_LENGTH) return invalid(`v2 header is longer than ${PROXY_V2_MAX_LENGTH} octets`);
  if (buffered.length < consumed) return INCOMPLETE;

  // LOCAL: the address block, family included, is to be skipped unread.
  if (command === 0) return { kind: 'header', consumed, version: 2, command: 'LOCAL', family: 'unknown', tlvs: [] };
  const addressLength = V2_ADDRESS_LENGTH[family as 0 | 1 | 2 | 3];
  if (consumed - V2_FIXED_LENGTH < addressLength) return invalid('v2 address block is shorter than its family needs');
  // An unspecified family carries no defined layout, so nothing after it can be read as TLVs.
  const tlvs = family === 0 ? [] : parseTlvs(buffered, V2_FIXED_LENGTH + addressLength, consumed);
  if (!tlvs) return invalid('v2 header has a TLV that runs past its end');
  const base = { kind: 'header', consumed, version: 2, command: 'PROXY', tlvs } as const;
  if ((family !== 1 && family !== 2) || protocol !== V2_STREAM) return { ...base, family: 'unknown' };
  const size = family === 1 ? 4 : 16;
  const at = V2_FIXED_LENGTH;
  return {
    ...base,
    family: family === 1 ? 'tcp4' : 'tcp6',
    source: { address: formatIpAddress(buffered.subarray(at, at + size)), port: buffered.readUInt16BE(at + 2 * size) },
    destination: {
      address: formatIpAddress(buffered.subarray(at + size, at + 2 * size)),
      port: buffered.readUInt16BE(at + 2 * size + 2),
    },
  };
}

/** Type (1 octet), length (2), value: each must end within the header, or the whole header is refused. */
function parseTlvs(buffered: Buffer, start: number, end: number): ProxyTlv[] | undefined {
  const tlvs: ProxyTlv[] = [];
  let at = start;
  while (at < end) {
    if (end - at < 3) return undefined;
    const valueEnd = at + 3 + buffered.readUInt16BE(at + 1);
    if (valueEnd > end) return undefined;
    tlvs.push({ type: buffered[at]!, value: Buffer.from(buffered.subarray(at + 3, valueEnd)) });
    at = valueEnd;
  }
  return tlvs;
}

/** What `renderProxyHeader` writes. Without both addresses the header says UNKNOWN (v1) or AF_UNSPEC (v2). */
export interface ProxyHeaderInit {
  readonly version: 1 | 2;
  /** v2 only; default PROXY. */
  readonly command?: 'PROXY' | 'LOCAL';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
  /** v2 only. */
  readonly tlvs?: readonly ProxyTlv[];
}

/**
 * Writes a PROXY header, as a proxy in front of a server (or a test client) sends it. Throws a RangeError for
 * addresses of mixed or invalid families, ports out of range, v1 with LOCAL or TLVs, or a header longer than
 * PROXY_V2_MAX_LENGTH.
 */
export function renderProxyHeader(init: ProxyHeaderInit): Buffer {
  const endpoints = init.source && init.destination ? addressPair(init.source, init.destination) : undefined;
  if (init.version === 1) {
    if (init.command === 'LOCAL' || init.tlvs?.length) throw new RangeError('a v1 header has no LOCAL command or TLVs');
    if (!endpoints) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    const [source, destination] = endpoints;
    const protocol = source.length === 4 ? 'TCP4' : 'TCP6';
    const fields = [formatIpAddress(source), formatIpAddress(destination), init.source!.port, init.destination!.port];
    return Buffer.from(`PROXY ${protocol} ${fields.join(' ')}\r\n`, 'latin1');
  }
  const local = init.command === 'LOCAL';
  const parts: Buffer[] = [];
  let familyProtocol = 0x00;
  if (endpoints && !local) {
    const [source, destination] = endpoints;
    familyProtocol = source.length === 4 ? 0x11 : 0x21;
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(init.source!.port, 0);
    ports.writeUInt16BE(init.destination!.port, 2);
    parts.push(Buffer.from(source), Buffer.from(destination), ports);
  }
  const tooLong = () => new RangeError(`a v2 header is at most ${PROXY_V2_MAX_LENGTH} octets`);
  for (const tlv of init.tlvs ?? []) {
    if (!Number.isInteger(tlv.type) || tlv.type < 0 || tlv.type > 0xff) throw new RangeError('a TLV type is one octet');
    if (tlv.value.length > PROXY_V2_MAX_LENGTH) throw tooLong();
    const head = Buffer.alloc(3);
    head[0] = tlv.type;
    head.writeUInt16BE(tlv.value.length, 1);
    parts.push(head, tlv.value);
  }
  const body = Buffer.concat(parts);
  if (V2_FIXED_LENGTH + body.length > PROXY_V2_MAX_LENGTH) throw tooLong();
  const fixed = Buffer.alloc(V2_FIXED_LENGTH);
  V2_SIGNATURE.copy(fixed);
  fixed[12] = local ? 0x20 : 0x21;
  fixed[13] = familyProtocol;
  fixed.writeUInt16BE(body.length, 14);
  return Buffer.concat([fixed, body]);
}

function addressPair(source: ProxyEndpoint, destination: ProxyEndpoint): [Uint8Array, Uint8Array] {
  const sourceBytes = parseIpAddress(source.address);
  const destinationBytes = parseIpAddress(destination.address);
  if (!sourceBytes || !destinationBytes) throw new RangeError('PROXY header addresses must be IP addresses');
  if (sourceBytes.length !== destinationBytes.length) {
    throw new RangeError('PROXY header addresses must share a family');
  }
  for (const port of [source.port, destination.port]) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`invalid TCP port ${port}`);
  }
  return [sourceBytes, destinationBytes];
}
