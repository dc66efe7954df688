import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findHaproxy } from './find-haproxy.js';
import { type HaproxyConfigOptions, haproxyConfig } from './haproxy-config.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-haproxy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: HaproxyConfigOptions = {
  listenPort: 20110,
  backendHost: '127.0.0.1',
  backendPort: 20111,
  sendProxy: 'v2',
  pidFile: join(dir, 'haproxy.pid'),
  timeoutMs: 1_000,
};

/** Runs `haproxy -c` on the configuration: HAProxy itself judges it, nothing is started. */
function check(config: string): string {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  return execFileSync(findHaproxy(), ['-c', '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('haproxyConfig', () => {
  it.each([
    ['v1', { sendProxy: 'v1' }, /server pop 127\.0\.0\.1:20111 send-proxy$/m],
    ['v2', {}, /server pop 127\.0\.0\.1:20111 send-proxy-v2$/m],
    ['none', { sendProxy: false }, /server pop 127\.0\.0\.1:20111$/m],
    ['v2 with health checks', { healthCheckIntervalMs: 100 }, /send-proxy-v2 check inter 100ms check-send-proxy$/m],
    ['an IPv6 backend', { backendHost: '::1' }, /server pop \[::1\]:20111 send-proxy-v2$/m],
  ] as const)('writes a configuration HAProxy accepts: %s', (_name, overrides, server) => {
    const config = haproxyConfig({ ...base, ...overrides });
    expect(config).toMatch(server);
    expect(config).toMatch(/^ {2}bind 127\.0\.0\.1:20110$/m);
    expect(config).toMatch(/^ {2}mode tcp$/m);
    expect(config).not.toMatch(/^\s*daemon/m);
    expect(check(config)).toMatch(/valid/i);
  });
});
