import { readSync } from 'node:fs';
import { Socket } from 'node:net';
import { loadSendfile, socketFdOf } from '@poplar/sendfile';
import type { FileSender } from '@poplar/session';

/**
 * The session's FileSender over sendfile(2): kept wire forms go from the page cache to plain TCP connections
 * without a copy through JavaScript. undefined, with the reason, when the native addon is not there.
 */
export function createFileSender(): { readonly sender: FileSender } | { readonly reason: string } {
  const loaded = loadSendfile();
  if (!loaded.ok) return { reason: loaded.reason };
  const { sendFile } = loaded.binding;
  return {
    sender: {
      canSend: (stream) => stream instanceof Socket && socketFdOf(stream) !== undefined,
      sendNow(stream, head, fd, offset, length) {
        const socketFd = socketFdOf(stream as Socket);
        if (socketFd === undefined) throw new Error('the connection is closed');
        return sendFile(socketFd, head, fd, offset, length);
      },
      read(fd, offset, length) {
        const buffer = Buffer.allocUnsafe(length);
        return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
      },
    },
  };
}
