import { readFile, stat } from 'node:fs/promises';
import { parseNtKey } from '@poplar/auth';
import { ConfigError } from './config/config-error.js';
import type { DaemonConfig } from './config/daemon-config.js';

export const NT_KEY_ENV = 'POPLAR_NT_KEY';

/**
 * The server key that encrypts NT hashes in the users file: from NtHashKeyFile when set, else from the POPLAR_NT_KEY
 * environment variable, else none (NTLM then cannot be used). A key file that group or others may read is refused.
 */
export async function loadNtKey(
  config: Pick<DaemonConfig, 'ntHashKeyFile' | 'file'>,
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
    if ((mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, '0');
      throw new ConfigError(config.file, undefined, 'NtHashKeyFile', `${file} has mode ${octal}; chmod 600 it`);
    }
    try {
      return { key: parseNtKey(text), warning: undefined };
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
