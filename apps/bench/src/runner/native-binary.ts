import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './run-bench.js';

/** Which load client runs the sessions: the Node one (every scenario, TLS) or the native one (cheaper per byte). */
export type ClientKind = 'node' | 'native';
export const CLIENT_KINDS: readonly ClientKind[] = ['node', 'native'];

/** Where the build (scripts/build-native.mjs) puts the native load core, from src/ or dist/ alike. */
export const NATIVE_BINARY = fileURLToPath(new URL('../../dist/native/pop3-load', import.meta.url));

/** The scenarios the native client runs. */
export const NATIVE_SCENARIOS: readonly BenchOptions['scenario'][] = ['retr-all', 'big'];

/** Why the native client cannot run these options, or undefined when it can. */
export function nativeClientProblem(options: {
  scenario: BenchOptions['scenario'];
  address: Pick<BenchOptions['address'], 'tls'>;
}): string | undefined {
  if (!NATIVE_SCENARIOS.includes(options.scenario)) {
    return `the native client runs ${NATIVE_SCENARIOS.join(' and ')}, not ${options.scenario}; use --client node`;
  }
  if (options.address.tls !== 'none') return 'the native client speaks plain TCP only; use --client node for TLS';
  if (!existsSync(NATIVE_BINARY)) {
    return `the native client is not built (${NATIVE_BINARY}): it needs a C compiler and OpenSSL's headers (Debian: apt-get install gcc libssl-dev), then pnpm build`;
  }
  return undefined;
}
