import { readFile, stat } from 'node:fs/promises';
import { parseNtKey } from '@poplar/auth';
import type { DaemonConfig } from './config/daemon-config.js';

export const NT_KEY_ENV = 'POPLAR_NT_KEY';

/**
 * The server key that encrypts NT hashes in the users file: from NtHashKeyFile when set, else from the POPLAR_NT_KEY
 * environment variable, else none (NTLM then cannot be used). Returns a warning for a key file others can read.
 */
export async function loadNtKey(
  config: Pick<DaemonConfig, 'ntHashKeyFile'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ key: Uint8Array | undefined; warning: string | undefined }> {
  const file = config.ntHashKeyFile;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`NtHashKeyFile ${file}: ${(err as Error).message}`, { cause: err });
    }
    const mode = (await stat(file)).mode & 0o777;
    const warning =
      (mode & 0o077) === 0 ? undefined : `NtHashKeyFile ${file} has mode ${mode.toString(8)}; chmod 600 it`;
    try {
      return { key: parseNtKey(text), warning };
    } catch (err) {
      throw new Error(`NtHashKeyFile ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const text = env[NT_KEY_ENV];
  if (text === undefined || text === '') return { key: undefined, warning: undefined };
  try {
    return { key: parseNtKey(text), warning: undefined };
  } catch (err) {
    throw new Error(`${NT_KEY_ENV}: ${(err as Error).message}`, { cause: err });
  }
}
