export { decodeBase64, encodeBase64 } from './base64.js';
export { type Command, parseCommand, parseCount, parseMsn } from './command.js';
export { ExactSizeCounter, exactSize } from './exact-size.js';
export { LineReader, type LineEvent, type LineReaderOptions } from './line-reader.js';
export { CRLF, MessageEncoder, type MessageEncoderOptions } from './message-encoder.js';
export {
  MAX_RESPONSE_LENGTH,
  type RespCode,
  renderErr,
  renderMultiline,
  renderOk,
  TERMINATOR,
} from './response.js';
