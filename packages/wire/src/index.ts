export { decodeBase64, encodeBase64 } from './base64.js';
export { type Cidr, cidrContains, createCidrMatcher, formatIpAddress, parseCidr, parseIpAddress } from './cidr.js';
export { type Command, parseCommand, parseCount, parseMsn } from './command.js';
export { crlfFormInto } from './crlf-form-into.js';
export { CrlfNormalizer } from './crlf-normalizer.js';
export { DotStuffer, type DotStufferOptions } from './dot-stuffer.js';
export { ExactSizeCounter, exactSize } from './exact-size.js';
export { type LineEvent, LineReader, type LineReaderOptions } from './line-reader.js';
export { CRLF, MessageEncoder, type MessageEncoderOptions } from './message-encoder.js';
export {
  looksLikeProxyHeader,
  PROXY_HEADER_MAX_LENGTH,
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_MAX_LENGTH,
  type ProxyEndpoint,
  type ProxyHeader,
  type ProxyHeaderInit,
  type ProxyHeaderResult,
  type ProxyTlv,
  parseProxyHeader,
  renderProxyHeader,
} from './proxy-header.js';
export {
  MAX_RESPONSE_LENGTH,
  type RespCode,
  renderErr,
  renderMultiline,
  renderOk,
  TERMINATOR,
} from './response.js';
