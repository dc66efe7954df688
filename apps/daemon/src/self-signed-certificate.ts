import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Writes a self-signed certificate and its unencrypted key (RSA 2048) with the openssl CLI: for the demo and for
 * tests, never for production. Rejects with openssl's message when it fails or is not installed.
 */
export async function makeSelfSignedCertificate(
  certFile: string,
  keyFile: string,
  options: { readonly subject?: string; readonly days: number },
): Promise<void> {
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', options.subject ?? '/CN=localhost'];
  try {
    await promisify(execFile)('openssl', [
      ...args,
      '-days',
      String(options.days),
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`openssl failed: ${stderr?.trim() || message}`);
  }
}
