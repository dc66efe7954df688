import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until a POP3 server on host:port answers with "+OK"; throws after `timeoutMs`. */
export async function waitForGreeting(
  host: string,
  port: number,
  timeoutMs: number,
  alive?: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (alive !== undefined && !alive()) throw new Error('the server exited before it answered');
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('data', (chunk) => {
        resolve(chunk.toString('latin1').startsWith('+OK'));
        socket.end('QUIT\r\n');
      });
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
    if (greeted) return;
    await sleep(100);
  }
  throw new Error(`no POP3 greeting on ${host}:${port} within ${timeoutMs} ms`);
}
