import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LISTEN = '0A';

/**
 * Whether a socket listens on 127.0.0.1:`port` (owned by process `pid` when given), read from /proc. Unlike a test
 * connection this is invisible to the listener, so a proxy in front of a test server forwards no probe to it.
 */
export function isListening(port: number, pid?: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = readFileSync('/proc/net/tcp', 'latin1')
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .filter((fields) => fields[1] === local && fields[3] === LISTEN)
    .map((fields) => `socket:[${fields[9]}]`);
  if (inodes.length === 0 || pid === undefined) return inodes.length > 0;
  try {
    const fdDir = `/proc/${pid}/fd`;
    return readdirSync(fdDir).some((fd) => {
      try {
        return inodes.includes(readlinkSync(`${fdDir}/${fd}`));
      } catch {
        return false; // closed meanwhile
      }
    });
  } catch {
    return false; // the process is gone
  }
}
