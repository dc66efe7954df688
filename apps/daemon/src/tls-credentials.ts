import { open, readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { TlsFiles } from './config/daemon-config.js';

/**
 * The server certificate and key as a TLS context that can be swapped while running (SIGHUP): new connections and
 * STLS upgrades use the current context; connections already encrypted keep theirs.
 */
export class TlsCredentials {
  readonly #files: TlsFiles;
  #context: SecureContext;

  private constructor(files: TlsFiles, context: SecureContext) {
    this.#files = files;
    this.#context = context;
  }

  static async load(files: TlsFiles): Promise<TlsCredentials> {
    return new TlsCredentials(files, await loadContext(files));
  }

  get context(): SecureContext {
    return this.#context;
  }

  /** Reads the files again. On error the current context stays in force and the error is thrown. */
  async reload(): Promise<void> {
    this.#context = await loadContext(this.#files);
  }
}

async function loadContext(files: TlsFiles): Promise<SecureContext> {
  const [cert, key] = await Promise.all([readFile(files.certificateFile), readPrivateKey(files.keyFile)]);
  try {
    return createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new Error(`${files.certificateFile} / ${files.keyFile}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads the key file, refused when group or others may read it (checked on the file that is read). */
async function readPrivateKey(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const mode = (await handle.stat()).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`${file} has mode ${mode.toString(8).padStart(4, '0')}; a private key must be chmod 600`);
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Runs the server side of a TLS handshake over `socket`; rejects on error or after `timeoutMs`. */
export function upgradeToTls(socket: Duplex, context: SecureContext, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new TLSSocket(socket as Socket, { isServer: true, secureContext: context, requestCert: false });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      secure.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error('TLS handshake timed out')), timeoutMs);
    secure.once('error', fail);
    const closed = (): void => fail(new Error('connection closed during the TLS handshake'));
    secure.once('close', closed);
    secure.once('secure', () => {
      clearTimeout(timer);
      secure.off('error', fail);
      secure.off('close', closed);
      // Later errors belong to the session; this keeps one from going unhandled in between.
      secure.on('error', () => {});
      resolve(secure);
    });
  });
}
