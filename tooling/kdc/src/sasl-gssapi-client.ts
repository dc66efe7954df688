import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findKerberosTools } from './kerberos-tools.js';

const SCRIPT = fileURLToPath(new URL('../python/gss_initiator.py', import.meta.url));

export interface SaslGssapiClientOptions {
  /** Kerberos environment of the client (the test KDC's `env`, or one with another KRB5CCNAME). */
  readonly env: Readonly<Record<string, string>>;
  /** Host-based service name, default 'pop@localhost'. */
  readonly target?: string;
  /** Ask for mutual authentication (the server then sends an AP-REP first). */
  readonly mutual?: boolean;
  /** Authorization identity sent in the last message; default empty. */
  readonly authzid?: string;
  /** Security layer byte the client chooses; default 1 (none). */
  readonly layer?: number;
  /** Maximum buffer size the client announces; default 0. */
  readonly maxbuf?: number;
}

/** The server's security-layer message as the client unwrapped it. */
export interface LayerOffer {
  readonly layers: number;
  readonly maxbuf: number;
}

const READ_TIMEOUT_MS = 10_000;

/** The client side of SASL GSSAPI (RFC 4752), played by python-gssapi over MIT Kerberos. */
export class SaslGssapiClient {
  /** Security-layer offers the client has seen (one per completed exchange). */
  readonly offers: LayerOffer[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiting: ((line: string | null) => void) | undefined;
  #closed = false;
  #stderr = '';

  constructor(options: SaslGssapiClientOptions, extraArgs: readonly string[] = []) {
    const found = findKerberosTools();
    if (!found.ok) throw new Error(`cannot run the GSSAPI test client: ${found.reason}`);
    const args = [SCRIPT, '--target', options.target ?? 'pop@localhost', '--authzid', options.authzid ?? ''];
    if (options.mutual) args.push('--mutual');
    if (options.layer !== undefined) args.push('--layer', String(options.layer));
    if (options.maxbuf !== undefined) args.push('--maxbuf', String(options.maxbuf));
    this.#child = spawn(found.tools.python, [...args, ...extraArgs], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.on('error', () => {});
    this.#child.stdin.on('error', () => {});
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    const lines = createInterface({ input: this.#child.stdout });
    lines.on('line', (line) => this.#push(line));
    lines.on('close', () => {
      this.#closed = true;
      this.#push(null);
    });
  }

  /** The first response: the Kerberos AP-REQ. */
  initial(): Promise<Uint8Array> {
    return this.#nextToken();
  }

  /** Answers one server challenge (an AP-REP, or the wrapped security-layer offer). */
  respond(challenge: Uint8Array): Promise<Uint8Array> {
    this.#child.stdin.write(`${Buffer.from(challenge).toString('base64')}\n`);
    return this.#nextToken();
  }

  close(): void {
    this.#child.kill();
  }

  #push(line: string | null): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting(line);
    } else if (line !== null) {
      this.#lines.push(line);
    }
  }

  async #nextToken(): Promise<Uint8Array> {
    for (;;) {
      const line = await this.#nextLine();
      if (line.startsWith('I ')) {
        this.offers.push((JSON.parse(line.slice(2)) as { offer: LayerOffer }).offer);
      } else if (line.startsWith('T ')) {
        return Buffer.from(line.slice(2), 'base64');
      } else {
        throw new Error(`unexpected line from the GSSAPI test client: ${line}`);
      }
    }
  }

  #nextLine(): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(this.#failure());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`the GSSAPI test client did not answer within ${READ_TIMEOUT_MS} ms`));
      }, READ_TIMEOUT_MS);
      this.#waiting = (line) => {
        clearTimeout(timer);
        if (line === null) reject(this.#failure());
        else resolve(line);
      };
    });
  }

  #failure(): Error {
    return new Error(`the GSSAPI test client ended: ${this.#stderr.trim() || 'no output'}`);
  }
}

/** First tokens (AP-REQs) from `count` fresh client contexts: for replay, expiry and load tests. */
export async function initiatorTokens(
  options: SaslGssapiClientOptions & { readonly count: number },
): Promise<Uint8Array[]> {
  const client = new SaslGssapiClient(options, ['--tokens', String(options.count)]);
  try {
    const tokens: Uint8Array[] = [];
    for (let i = 0; i < options.count; i += 1) tokens.push(await client.initial());
    return tokens;
  } finally {
    client.close();
  }
}
