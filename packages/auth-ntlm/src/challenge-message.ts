import { NtlmFlag } from './ntlm-flags.js';
import { MessageType, writeField, writeHeader } from './ntlm-message.js';

export interface ChallengeInput {
  /** Flags already chosen with challengeFlags(). */
  readonly flags: number;
  readonly serverChallenge: Uint8Array;
  /** Sent only when the client set REQUEST_TARGET. */
  readonly targetName: string;
  /** Encoded AV pairs, MsvAvEOL included. */
  readonly targetInfo: Uint8Array;
}

const PAYLOAD_START = 56;
/** Windows 10.0 build 20348, NTLMRevisionCurrent 15: informational only, clients log it. */
const VERSION = [0x0a, 0x00, 0x7c, 0x4f, 0x00, 0x00, 0x00, 0x0f];

/** CHALLENGE_MESSAGE (MS-NLMP §2.2.1.2): header, TargetName, then TargetInfo. */
export function buildChallengeMessage(input: ChallengeInput): Uint8Array {
  const { flags, serverChallenge, targetInfo } = input;
  if (serverChallenge.length !== 8) throw new RangeError('server challenge must be 8 bytes');
  const targetName =
    flags & NtlmFlag.REQUEST_TARGET
      ? Buffer.from(input.targetName, flags & NtlmFlag.UNICODE ? 'utf16le' : 'latin1')
      : new Uint8Array(0);
  const bytes = new Uint8Array(PAYLOAD_START + targetName.length + targetInfo.length);
  const view = new DataView(bytes.buffer);
  writeHeader(view, MessageType.CHALLENGE);
  writeField(view, 12, targetName.length, targetName.length === 0 ? 0 : PAYLOAD_START);
  view.setUint32(20, flags, true);
  bytes.set(serverChallenge, 24);
  // 32..40 Reserved, zero.
  writeField(view, 40, targetInfo.length, PAYLOAD_START + targetName.length);
  bytes.set(VERSION, 48);
  bytes.set(targetName, PAYLOAD_START);
  bytes.set(targetInfo, PAYLOAD_START + targetName.length);
  return bytes;
}
