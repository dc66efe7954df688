import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute paths of the programs the test KDC and the test client run. */
export interface KerberosTools {
  readonly krb5kdc: string;
  readonly kdb5Util: string;
  readonly kadminLocal: string;
  readonly kinit: string;
  /** A Python 3 that can `import gssapi` (Debian: /usr/bin/python3 with python3-gssapi). */
  readonly python: string;
}

export type KerberosToolsResult =
  | { readonly ok: true; readonly tools: KerberosTools }
  | { readonly ok: false; readonly missing: readonly string[]; readonly reason: string };

// The KDC programs live in sbin, which is not on every user's PATH.
const SEARCH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
// Debian package that provides each program.
const PACKAGES: Record<string, string> = {
  krb5kdc: 'krb5-kdc',
  kdb5_util: 'krb5-kdc',
  'kadmin.local': 'krb5-admin-server',
  kinit: 'krb5-user',
  'python3 with gssapi': 'python3-gssapi',
};

let cached: KerberosToolsResult | undefined;

/** Finds the MIT Kerberos programs and a Python with the gssapi module; says which Debian packages are missing. */
export function findKerberosTools(): KerberosToolsResult {
  cached ??= search();
  return cached;
}

function search(): KerberosToolsResult {
  const found = new Map<string, string>();
  for (const name of ['krb5kdc', 'kdb5_util', 'kadmin.local', 'kinit']) {
    const path = which(name);
    if (path) found.set(name, path);
  }
  const python = ['/usr/bin/python3', which('python3')].find(
    (candidate) => candidate && spawnSync(candidate, ['-c', 'import gssapi'], { stdio: 'ignore' }).status === 0,
  );
  if (python) found.set('python3 with gssapi', python);
  const missing = Object.keys(PACKAGES).filter((name) => !found.has(name));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((name) => PACKAGES[name]))].join(' ');
    return { ok: false, missing, reason: `missing ${missing.join(', ')}: apt-get install ${packages}` };
  }
  const get = (name: string) => found.get(name) as string;
  return {
    ok: true,
    tools: {
      krb5kdc: get('krb5kdc'),
      kdb5Util: get('kdb5_util'),
      kadminLocal: get('kadmin.local'),
      kinit: get('kinit'),
      python: get('python3 with gssapi'),
    },
  };
}

function which(name: string): string | undefined {
  for (const dir of SEARCH) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/**
 * True when the Kerberos development files are installed (krb5-config on PATH). Tests use it to tell "cannot run
 * here" (skip, with the reason in the test name) from "should run" (then a missing binding or tool is a failure).
 */
export function krb5DevInstalled(): boolean {
  return which('krb5-config') !== undefined;
}
