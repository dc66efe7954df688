export type SendProxy = 'v1' | 'v2' | false;

export interface HaproxyConfigOptions {
  /** Frontend port on 127.0.0.1. */
  readonly listenPort: number;
  readonly backendHost: string;
  readonly backendPort: number;
  /** Header sent to the backend on each connection: `send-proxy` (v1), `send-proxy-v2`, or none. */
  readonly sendProxy: SendProxy;
  /** Health-check the backend every `healthCheckIntervalMs`, with the PROXY header when one is sent. */
  readonly healthCheckIntervalMs?: number | undefined;
  /** Written only if HAProxy is ever started in daemon mode with this file; kept inside the private directory. */
  readonly pidFile: string;
  readonly timeoutMs: number;
}

const SEND_PROXY = { v1: ' send-proxy', v2: ' send-proxy-v2' } as const;

/** A minimal TCP-mode HAProxy configuration: one loopback frontend, one backend server. */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  let server = `server pop ${formatHost(options.backendHost)}:${options.backendPort}`;
  if (options.sendProxy) server += SEND_PROXY[options.sendProxy];
  if (options.healthCheckIntervalMs !== undefined) {
    server += ` check inter ${options.healthCheckIntervalMs}ms`;
    if (options.sendProxy) server += ' check-send-proxy';
  }
  return [
    'global',
    `  pidfile ${options.pidFile}`,
    '  maxconn 256',
    '  nbthread 1',
    '',
    'defaults',
    '  mode tcp',
    `  timeout connect ${options.timeoutMs}ms`,
    `  timeout client ${options.timeoutMs}ms`,
    `  timeout server ${options.timeoutMs}ms`,
    '',
    'frontend poplar',
    `  bind 127.0.0.1:${options.listenPort}`,
    '  default_backend poplar',
    '',
    'backend poplar',
    `  ${server}`,
    '',
  ].join('\n');
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
