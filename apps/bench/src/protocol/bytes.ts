/** Byte values the reply parsers look for. */
export const CR = 0x0d;
export const LF = 0x0a;
export const DOT = 0x2e;
