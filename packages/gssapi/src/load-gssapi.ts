import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AcceptorOptions, GssAcceptor, keytabName } from './gss-acceptor.js';
import { isNativeModule, type NativeModule } from './native-module.js';

/** The loaded native addon. */
export interface GssapiBinding {
  /** Where the addon was loaded from. */
  readonly path: string;
  /** A new acceptor context; credentials are acquired from the keytab on the first step. */
  createAcceptor(options?: AcceptorOptions): GssAcceptor;
  /** default_realm from krb5.conf (KRB5_CONFIG), or null when none is configured. */
  defaultRealm(): string | null;
  /** GSS handles (credentials, contexts, names) held by all acceptors right now: a leak check for tests. */
  liveHandles(): number;
}

export type LoadGssapiResult =
  | { readonly ok: true; readonly binding: GssapiBinding }
  | { readonly ok: false; readonly reason: string };

/** build/Release/gssapi.node, seen from src/ and from dist/ alike. */
export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../build/Release/gssapi.node', import.meta.url));

const REBUILD =
  'then rebuild (`npm rebuild @poplar/gssapi`; in a source checkout `pnpm --filter @poplar/gssapi build:native`)';

let defaultResult: LoadGssapiResult | undefined;

/**
 * Loads the native addon. Never throws: when the addon is missing or cannot load, the result says why and what to
 * install. The default addon is loaded once per process; `path` loads another build (tests, custom builds).
 */
export function loadGssapi(options: { readonly path?: string } = {}): LoadGssapiResult {
  if (options.path !== undefined) return load(resolve(options.path));
  defaultResult ??= load(DEFAULT_ADDON_PATH);
  return defaultResult;
}

function load(path: string): LoadGssapiResult {
  if (!existsSync(path)) return { ok: false, reason: notBuilt(path) };
  let native: unknown;
  try {
    native = createRequire(import.meta.url)(path);
  } catch (error) {
    return { ok: false, reason: loadFailure(path, error) };
  }
  if (!isNativeModule(native)) return { ok: false, reason: `${path} is not the @poplar/gssapi addon` };
  return { ok: true, binding: createBinding(native, path) };
}

function createBinding(native: NativeModule, path: string): GssapiBinding {
  return {
    path,
    createAcceptor: (options = {}) => {
      const nativeOptions: { keytab?: string; principal?: string } = {};
      if (options.keytab !== undefined) nativeOptions.keytab = keytabName(options.keytab);
      if (options.principal !== undefined) nativeOptions.principal = options.principal;
      return new GssAcceptor(new native.Acceptor(nativeOptions));
    },
    defaultRealm: () => native.defaultRealm(),
    liveHandles: () => native.liveHandles(),
  };
}

/** The build script records why it could not build the addon in build/native-build.json. */
function notBuilt(path: string): string {
  const statusFile = join(dirname(path), '..', 'native-build.json');
  try {
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return `the native addon was not built: ${status.reason}`;
  } catch {}
  return `the native addon was not built (${path} is missing): install libkrb5-dev, g++, make and python3, ${REBUILD}`;
}

/** @internal Exported for tests: the reason for a failed require() of the addon. */
export function loadFailure(path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const library = /(lib(?:gssapi_krb5|krb5|k5crypto|com_err|krb5support)\.so[.\d]*)/.exec(message)?.[1];
  if (library && /cannot open shared object|no such file/i.test(message)) {
    return `${library} missing: install the MIT Kerberos libraries (Debian/Ubuntu: libgssapi-krb5-2)`;
  }
  return `the native addon ${path} failed to load (${message.split('\n')[0]}): ${REBUILD}`;
}
