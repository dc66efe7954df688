import type { Prng } from '../util/prng.js';

export type ProfileName = 'mixed' | '100k' | 'big' | 'exchange';
export const PROFILES: readonly ProfileName[] = ['mixed', '100k', 'big', 'exchange'];

export interface MessageShape {
  /** Stored size to aim for; text-only messages hit it exactly. */
  storedSize: number;
  /** Multipart with a base64 attachment making up most of it. */
  attachment: boolean;
  /** Stored with CRLF line ends (some MDAs do), so the exact size adds nothing. */
  crlf: boolean;
  /** The last line has no LF, so the exact size adds 2. */
  noFinalLf: boolean;
}

export interface Profile {
  name: ProfileName;
  /** Messages per user when none is given. */
  defaultMessages: number;
  shape(rng: Prng): MessageShape;
}

const KB = 1024;

function plain(storedSize: number): MessageShape {
  return { storedSize, attachment: false, crlf: false, noFinalLf: false };
}

/**
 * mixed: 65 % 2-20 KB, 25 % 20-100 KB, 10 % 100 KB-1 MB with a base64 attachment, each band spread on a log
 * scale as mail sizes are (mean about 57 KB); a few stored with CRLF or without a final LF.
 */
function mixed(rng: Prng): MessageShape {
  const roll = rng.float();
  const shape =
    roll < 0.65
      ? plain(rng.logInt(2 * KB, 20 * KB))
      : roll < 0.9
        ? plain(rng.logInt(20 * KB, 100 * KB))
        : { ...plain(rng.logInt(100 * KB, 1024 * KB)), attachment: true };
  const oddity = rng.float();
  if (oddity < 0.02) shape.crlf = true;
  else if (oddity < 0.04) shape.noFinalLf = true;
  return shape;
}

export const PROFILE: Readonly<Record<ProfileName, Profile>> = {
  mixed: { name: 'mixed', defaultMessages: 200, shape: mixed },
  '100k': { name: '100k', defaultMessages: 200, shape: () => plain(100 * KB) },
  big: { name: 'big', defaultMessages: 1, shape: () => ({ ...plain(50 * KB * KB), attachment: true }) },
  // Exchange's published POP3 baseline: about 26 KB per message, about 31 per inbox.
  exchange: { name: 'exchange', defaultMessages: 31, shape: (rng) => plain(rng.int(22 * KB, 30 * KB)) },
};
