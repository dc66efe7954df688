/** A network in CIDR notation: `network` has its host bits cleared. */
export interface Cidr {
  readonly family: 4 | 6;
  /** 4 or 16 bytes. */
  readonly network: Uint8Array;
  readonly prefixLength: number;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * Parses an IPv4 address (four decimal numbers 0-255 without leading zeros, which could be read as octal) or an
 * IPv6 address (RFC 4291 text, one `::` at most, an optional dotted IPv4 tail; no zone index) into 4 or 16 bytes.
 * Anything else gives undefined.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  // Without "::" the groups must fill all 16 bytes; with it, "::" stands for at least one zero group.
  if (halves.length === 1 ? total !== 16 : total > 14) return undefined;
  const bytes = new Uint8Array(16);
  bytes.set(head, 0);
  bytes.set(tail, 16 - tail.length);
  return bytes;
}

/** Colon-separated hex groups as bytes; the last group may be a dotted IPv4 address when `ipv4TailAllowed`. */
function parseGroups(text: string, ipv4TailAllowed: boolean): number[] | undefined {
  if (text === '') return [];
  const groups = text.split(':');
  const bytes: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (ipv4TailAllowed && i === groups.length - 1 && group.includes('.')) {
      const ipv4 = parseIpv4(group);
      if (!ipv4) return undefined;
      bytes.push(...ipv4);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      const value = Number.parseInt(group, 16);
      bytes.push(value >> 8, value & 0xff);
    } else {
      return undefined;
    }
  }
  return bytes;
}

/**
 * Formats 4 or 16 bytes as text: dotted decimal, or RFC 5952 IPv6 (lower case, the first longest run of two or more
 * zero groups shortened to `::`). The result is exactly what Node reports for a socket's address, IPv4-mapped
 * `::ffff:a.b.c.d` and the old IPv4-compatible `::a.b.c.d` included, so both can be compared and logged alike.
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  if (bestStart === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff))) {
    return `::${bestLength === 5 ? 'ffff:' : ''}${bytes.subarray(12).join('.')}`;
  }
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/**
 * Parses "address/prefix" (or a bare address, meaning /32 or /128). Host bits must be zero, so a typo such as
 * "10.0.0.1/8" is refused rather than silently widened. Throws a RangeError that names the input.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const network = parseIpAddress(addressText);
  if (!network) throw new RangeError(`invalid network "${text}": "${addressText}" is not an IP address`);
  const bits = network.length * 8;
  let prefixLength = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      throw new RangeError(`invalid network "${text}": the prefix length must be a number from 0 to ${bits}`);
    }
    prefixLength = Number(prefixText);
  }
  const masked = mask(network, prefixLength);
  if (!masked.every((b, i) => b === network[i])) {
    throw new RangeError(
      `invalid network "${text}": host bits are set (did you mean ${formatIpAddress(masked)}/${prefixLength}?)`,
    );
  }
  return { family: network.length === 4 ? 4 : 6, network: masked, prefixLength };
}

function mask(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefixLength - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/**
 * Whether `address` lies in `cidr`. An IPv4 address and its IPv4-mapped IPv6 form (::ffff:a.b.c.d, as a dual-stack
 * socket reports IPv4 peers) are the same address: each is compared in the network's own family. A zone index
 * ("fe80::1%eth0") is ignored; text that is not an address matches nothing.
 */
export function cidrContains(cidr: Cidr, address: string | Uint8Array | undefined): boolean {
  const bytes = typeof address === 'string' ? peerBytes(address) : address;
  if (!bytes) return false;
  const candidate = inFamily(bytes, cidr.family);
  if (!candidate) return false;
  const masked = mask(candidate, cidr.prefixLength);
  return masked.every((b, i) => b === cidr.network[i]);
}

/** A peer address as sockets report it: the zone index of a link-local IPv6 address is not part of the address. */
function peerBytes(address: string): Uint8Array | undefined {
  const percent = address.indexOf('%');
  return parseIpAddress(percent < 0 ? address : address.slice(0, percent));
}

function inFamily(bytes: Uint8Array, family: 4 | 6): Uint8Array | undefined {
  if (bytes.length === (family === 4 ? 4 : 16)) return bytes;
  if (family === 4) return isMapped(bytes) ? bytes.subarray(12) : undefined;
  if (bytes.length !== 4) return undefined;
  const mapped = new Uint8Array(16);
  mapped.set(MAPPED_PREFIX);
  mapped.set(bytes, 12);
  return mapped;
}

/**
 * Parses a list of networks once (throwing on the first bad one) and returns a predicate for peer addresses, e.g.
 * `createCidrMatcher(['127.0.0.0/8', '::1/128'])(socket.remoteAddress)`. An empty list matches nothing.
 */
export function createCidrMatcher(networks: readonly string[]): (address: string | undefined) => boolean {
  const cidrs = networks.map(parseCidr);
  return (address) => {
    const bytes = address === undefined ? undefined : peerBytes(address);
    return bytes !== undefined && cidrs.some((cidr) => cidrContains(cidr, bytes));
  };
}
