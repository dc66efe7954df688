import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '@poplar/native-addon';
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
  const loaded = loadNativeAddon(path, {
    packageName: '@poplar/gssapi',
    isModule: isNativeModule,
    requirements: 'libkrb5-dev, g++, make and python3',
    explainLoadError: loadFailure,
  });
  return loaded.ok ? { ok: true, binding: createBinding(loaded.native, path) } : loaded;
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

/** @internal Exported for tests: names the Kerberos library the dynamic loader could not find, when that is why. */
export function loadFailure(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const library = /(lib(?:gssapi_krb5|krb5|k5crypto|com_err|krb5support)\.so[.\d]*)/.exec(message)?.[1];
  if (library && /cannot open shared object|no such file/i.test(message)) {
    return `${library} missing: install the MIT Kerberos libraries (Debian/Ubuntu: libgssapi-krb5-2)`;
  }
  return undefined;
}
