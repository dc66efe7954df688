// Shared setup for tests that need the native binding and a throwaway KDC. Where libkrb5-dev is installed both
// are required (a missing piece fails the tests); elsewhere the suites are skipped with the reason in their name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GssapiBinding, loadGssapi } from '@poplar/gssapi';
import type { AuthContext, AuthMechanism, AuthStep } from '@poplar/session';
import {
  krb5DevInstalled,
  SaslGssapiClient,
  type SaslGssapiClientOptions,
  startTestKdc,
  type TestKdc,
  type TestKdcOptions,
} from '@poplar/test-kdc';
import { afterAll, beforeAll, describe } from 'vitest';

export const kerberosAvailable = krb5DevInstalled();

/** describe() that runs where libkrb5-dev is installed and is skipped, saying why, elsewhere. */
export function describeWithKerberos(name: string, body: () => void): void {
  describe.skipIf(!kerberosAvailable)(
    kerberosAvailable ? name : `${name} (skipped: libkrb5-dev is not installed)`,
    body,
  );
}

export interface KerberosFixture {
  readonly kdc: TestKdc;
  readonly binding: GssapiBinding;
}

/** Starts a KDC in a fresh temp dir before the suite and points this process's Kerberos library at it. */
export function useKerberos(options: Omit<TestKdcOptions, 'dir'> = {}): KerberosFixture {
  let kdc: TestKdc | undefined;
  let binding: GssapiBinding | undefined;
  beforeAll(async () => {
    const loaded = loadGssapi();
    if (!loaded.ok) throw new Error(`the addon must build and load where libkrb5-dev is installed: ${loaded.reason}`);
    binding = loaded.binding;
    kdc = await startTestKdc({ dir: mkdtempSync(join(tmpdir(), 'poplar-auth-gssapi-')), ...options });
    Object.assign(process.env, kdc.env);
  });
  afterAll(async () => {
    if (!kdc) return;
    await kdc.stop();
    rmSync(kdc.dir, { recursive: true, force: true });
  });
  return {
    get kdc() {
      return kdc as TestKdc;
    },
    get binding() {
      return binding as GssapiBinding;
    },
  };
}

export function authContext(signal: AbortSignal = new AbortController().signal): AuthContext {
  return { connection: { id: 'test-1', remoteAddress: '127.0.0.1', secure: false }, signal };
}

/** Runs one whole AUTH GSSAPI exchange between the Python client and `mechanism`; returns the final step. */
export async function login(mechanism: AuthMechanism, options: SaslGssapiClientOptions): Promise<AuthStep> {
  const client = new SaslGssapiClient(options);
  const exchange = mechanism.start(authContext());
  try {
    let step = await exchange.step(await client.initial());
    for (let round = 0; step.kind === 'challenge' && round < 5; round += 1) {
      step = await exchange.step(await client.respond(step.data));
    }
    return step;
  } finally {
    exchange.dispose();
    client.close();
  }
}
