/** Context flags (RFC 2744 §3.11) as reported by GssAcceptor.flags(). */
export const GssFlags = {
  DELEG: 0x01,
  MUTUAL: 0x02,
  REPLAY: 0x04,
  SEQUENCE: 0x08,
  CONF: 0x10,
  INTEG: 0x20,
  ANON: 0x40,
  PROT_READY: 0x80,
  TRANS: 0x100,
} as const;

/** Kerberos V5 (RFC 1964 / RFC 4121). */
export const KRB5_MECHANISM_OID = '1.2.840.113554.1.2.2';
