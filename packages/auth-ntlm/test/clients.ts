// Drives the mechanism with real NTLM client implementations: @ewsjs/ntlm-client, httpntlm and python3-ntlm-auth.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AuthContext, AuthMechanism, AuthStep } from '@poplar/session';
import { ntHash } from '../src/nt-hash.js';

const require = createRequire(import.meta.url);
const ews = require('@ewsjs/ntlm-client');
const httpntlm = require('httpntlm/ntlm');

/** What a client needs: its NEGOTIATE, and a way to answer a CHALLENGE. */
export interface TestClient {
  readonly negotiate: Uint8Array;
  authenticate(challenge: Uint8Array): Promise<Uint8Array>;
  close?(): void;
}

export const PASSWORD = 'alicepw';

/** A user database with one account, alice, that records what it was asked. */
export function userDatabase() {
  const calls: Array<[string, string]> = [];
  const lookup = async (user: string, domain: string) => {
    calls.push([user, domain]);
    return user.toLowerCase() === 'alice' ? { user: 'alice', ntHash: ntHash(PASSWORD) } : null;
  };
  return { lookup, calls };
}

export function authContext(): AuthContext {
  return {
    connection: { id: 'test', remoteAddress: '127.0.0.1', secure: false },
    signal: new AbortController().signal,
  };
}

/** Runs NEGOTIATE -> CHALLENGE -> AUTHENTICATE through one exchange. */
export async function runExchange(
  mechanism: AuthMechanism,
  client: TestClient,
): Promise<{ challenge: Uint8Array; authenticate: Uint8Array; result: AuthStep }> {
  const exchange = mechanism.start(authContext());
  try {
    const first = await exchange.step(client.negotiate);
    if (first.kind !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(first)}`);
    const authenticate = await client.authenticate(first.data);
    const result = await exchange.step(authenticate);
    return { challenge: first.data, authenticate, result };
  } finally {
    exchange.dispose();
    client.close?.();
  }
}

const unprefix = (message: string): Uint8Array => Buffer.from(message.replace(/^NTLM /, ''), 'base64');
const prefix = (bytes: Uint8Array): string => `NTLM ${Buffer.from(bytes).toString('base64')}`;

/** @ewsjs/ntlm-client 3.0.1: OEM strings, LMv2 + NTLMv2, own clock for the timestamp. */
export function ewsClient(user: string, password: string, domain: string): TestClient {
  return {
    negotiate: unprefix(ews.createType1Message('WS01', domain)),
    async authenticate(challenge) {
      const type2 = ews.decodeType2Message(prefix(challenge));
      return unprefix(ews.createType3Message(type2, user, password, 'WS01', domain));
    },
  };
}

/**
 * httpntlm 1.8.13: UNICODE, upper-cases the domain. 'v1' and 'v1-ess' make it take its NTLMv1 and NTLM2 session
 * response paths, as it would against a server that offers no ESS or no TargetInfo.
 */
export function httpntlmClient(
  user: string,
  password: string,
  domain: string,
  mode: 'v2' | 'v1' | 'v1-ess' = 'v2',
): TestClient {
  const options = { username: user, password, domain, workstation: 'ws01' };
  return {
    negotiate: unprefix(httpntlm.createType1Message({ ...options })),
    async authenticate(challenge) {
      const type2 = httpntlm.parseType2Message(prefix(challenge), (error: Error) => {
        throw error;
      });
      if (mode === 'v1') type2.negotiateFlags &= ~0x00080000;
      if (mode === 'v1-ess') type2.targetInfo = undefined;
      return unprefix(httpntlm.createType3Message(type2, { ...options }));
    },
  };
}

const PYTHON_CLIENT = fileURLToPath(new URL('./fixtures/ntlm-auth-client.py', import.meta.url));

/** python3-ntlm-auth 1.4 in a child process: UNICODE, KEY_EXCH, MIC, timestamp copied from the CHALLENGE. */
export async function pythonClient(user: string, password: string, domain: string): Promise<TestClient> {
  const hashes = `${'0'.repeat(32)}:${Buffer.from(ntHash(password)).toString('hex')}`;
  const child = spawn('/usr/bin/python3', [PYTHON_CLIENT, user, hashes, domain], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<Uint8Array> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`python client ended early: ${stderr}`);
    return Buffer.from(value, 'base64');
  };
  const negotiate = await nextLine();
  return {
    negotiate,
    async authenticate(challenge) {
      child.stdin.write(`${Buffer.from(challenge).toString('base64')}\n`);
      return nextLine();
    },
    close() {
      child.kill();
    },
  };
}
