import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startFromCommand } from './poplar-instance.js';

const SERVER = `node -e "require('net').createServer((s) => s.end('+OK ready %d\\\\r\\\\n')).listen(%p, '127.0.0.1')"`;

function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('data', (chunk) => resolve(chunk.toString()));
    socket.once('error', reject);
  });
}

describe('startFromCommand', () => {
  it('starts a server from a template with %p and %d, holds its own pid, and stops it by that pid', async () => {
    const server = await startFromCommand(SERVER, '/some/corpus');
    try {
      expect(await greeting(server.port)).toBe('+OK ready /some/corpus\r\n');
      expect(() => process.kill(server.pid, 0)).not.toThrow();
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });

  it('reports a command that exits before it answers, with its stderr', async () => {
    await expect(startFromCommand('echo broken config >&2; exit 1', '/c')).rejects.toThrow(
      /did not start[\s\S]*broken config/,
    );
  });
});
