import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROXY_HEADER_MAX_LENGTH, type ProxyHeaderResult, parseProxyHeader } from '@poplar/wire';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { startHaproxy } from './start-haproxy.js';

/**
 * A backend that reads a PROXY header (or finds none) at the start of each connection, answers with the parse
 * result as one JSON line, then echoes everything after the header until the client closes.
 */
async function startHeaderEcho(): Promise<{ server: Server; port: number; results: ProxyHeaderResult[] }> {
  const results: ProxyHeaderResult[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]).subarray(0, PROXY_HEADER_MAX_LENGTH);
      const result = parseProxyHeader(buffered);
      if (result.kind === 'incomplete') return;
      results.push(result);
      socket.off('data', onData);
      const { tlvs: _tlvs, ...shown } = result.kind === 'header' ? result : { ...result, tlvs: [] };
      socket.write(`${JSON.stringify(shown)}\n`);
      socket.write(result.kind === 'header' ? buffered.subarray(result.consumed) : buffered);
      socket.pipe(socket);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as { port: number }).port, results };
}

/** Connects from `localAddress`, sends `text`, half-closes and returns everything received until the close. */
async function exchange(port: number, localAddress: string, text: string) {
  const socket: Socket = connect({ host: '127.0.0.1', port, localAddress });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const localPort = socket.localPort!;
  socket.end(text);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve, reject) => socket.once('close', resolve).once('error', reject));
  const received = Buffer.concat(chunks).toString('latin1');
  const newline = received.indexOf('\n');
  return { localPort, result: JSON.parse(received.slice(0, newline)), echoed: received.slice(newline + 1) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const running: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function backendAndProxy(sendProxy: 'v1' | 'v2' | false, extra: { healthCheckIntervalMs?: number } = {}) {
  const backend = await startHeaderEcho();
  running.push({ stop: () => new Promise((resolve) => backend.server.close(resolve)) });
  const haproxy = await startHaproxy({ backendPort: backend.port, sendProxy, ...extra });
  running.push(haproxy);
  return { backend, haproxy };
}

describe('startHaproxy', () => {
  it.each([
    ['v1', 1],
    ['v2', 2],
  ] as const)('forwards with a %s header that carries the real client address', async (sendProxy, version) => {
    const { haproxy } = await backendAndProxy(sendProxy);
    const { localPort, result, echoed } = await exchange(haproxy.port, '127.0.0.2', 'CAPA\r\n');
    expect(result).toEqual({
      kind: 'header',
      version,
      command: 'PROXY',
      family: 'tcp4',
      consumed: expect.any(Number),
      source: { address: '127.0.0.2', port: localPort },
      destination: { address: '127.0.0.1', port: haproxy.port },
    });
    expect(echoed).toBe('CAPA\r\n');
  });

  it('forwards plain bytes without a header when sendProxy is false', async () => {
    const { haproxy } = await backendAndProxy(false);
    const { result, echoed } = await exchange(haproxy.port, '127.0.0.2', 'USER alice\r\n');
    expect(result).toEqual({ kind: 'invalid', reason: 'not a PROXY protocol header' });
    expect(echoed).toBe('USER alice\r\n');
  });

  it('sends v2 health checks as LOCAL headers', async () => {
    const { backend } = await backendAndProxy('v2', { healthCheckIntervalMs: 100 });
    for (let i = 0; i < 100 && backend.results.length === 0; i++) await sleep(50);
    expect(backend.results[0]).toMatchObject({ kind: 'header', version: 2, command: 'LOCAL', family: 'unknown' });
    expect(backend.results[0]).not.toHaveProperty('source');
  });

  it('listens on a given port, writes its files in a private directory, and stop() removes both', async () => {
    const backend = await startHeaderEcho();
    running.push({ stop: () => new Promise((resolve) => backend.server.close(resolve)) });
    const listen = await freePort();
    const haproxy = await startHaproxy({ backendPort: backend.port, sendProxy: 'v1', listen });
    expect(haproxy.port).toBe(listen);
    expect(existsSync(haproxy.configFile)).toBe(true);
    expect(alive(haproxy.pid)).toBe(true);
    await haproxy.stop();
    await haproxy.stop();
    expect(alive(haproxy.pid)).toBe(false);
    expect(existsSync(haproxy.dir)).toBe(false);
    await expect(exchange(listen, '127.0.0.1', 'x')).rejects.toThrow(/ECONNREFUSED/);
    expect(backend.results).toEqual([]);
  });

  it('reports why HAProxy did not start', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    running.push({ stop: () => new Promise((resolve) => holder.close(resolve)) });
    const taken = (holder.address() as { port: number }).port;
    await expect(startHaproxy({ backendPort: 1, sendProxy: 'v2', listen: taken })).rejects.toThrow(
      /did not start on 127\.0\.0\.1:\d+: it exited[\s\S]*bind/,
    );
  });
});
