/** NegotiateFlags bits (MS-NLMP §2.2.2.5). Letters in comments are the spec's. */
export const NtlmFlag = {
  /** A */
  UNICODE: 0x00000001,
  /** B */
  OEM: 0x00000002,
  /** C */
  REQUEST_TARGET: 0x00000004,
  /** D */
  SIGN: 0x00000010,
  /** E */
  SEAL: 0x00000020,
  /** G: LAN Manager session key, never granted. */
  LM_KEY: 0x00000080,
  /** H */
  NTLM: 0x00000200,
  /** J */
  ANONYMOUS: 0x00000800,
  /** M */
  ALWAYS_SIGN: 0x00008000,
  /** N */
  TARGET_TYPE_DOMAIN: 0x00010000,
  /** P: extended session security ("NTLM2"); v2 clients only use v2 when the server grants it. */
  EXTENDED_SESSIONSECURITY: 0x00080000,
  /** S */
  TARGET_INFO: 0x00800000,
  /** T */
  VERSION: 0x02000000,
  /** U */
  N128: 0x20000000,
  /** V */
  KEY_EXCH: 0x40000000,
  /** W */
  N56: 0x80000000,
} as const;

/** Flags the server grants only when the client asks for them. */
const ECHOED =
  NtlmFlag.REQUEST_TARGET |
  NtlmFlag.SIGN |
  NtlmFlag.SEAL |
  NtlmFlag.ALWAYS_SIGN |
  NtlmFlag.EXTENDED_SESSIONSECURITY |
  NtlmFlag.N128 |
  NtlmFlag.KEY_EXCH |
  NtlmFlag.N56;

/** The CHALLENGE's flags for a NEGOTIATE's flags (MS-NLMP §3.2.5.1.1). */
export function challengeFlags(requested: number): number {
  let flags = (requested & ECHOED) | NtlmFlag.NTLM | NtlmFlag.TARGET_INFO | NtlmFlag.VERSION;
  flags |= requested & NtlmFlag.UNICODE ? NtlmFlag.UNICODE : NtlmFlag.OEM;
  if (flags & NtlmFlag.REQUEST_TARGET) flags |= NtlmFlag.TARGET_TYPE_DOMAIN;
  return flags >>> 0;
}
