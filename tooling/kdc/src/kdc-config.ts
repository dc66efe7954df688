import { join } from 'node:path';

export interface KdcConfigInput {
  readonly dir: string;
  readonly realm: string;
  readonly port: number;
  /** Allowed clock difference in seconds (MIT's default is 300). */
  readonly clockskew?: number | undefined;
  /** auth_to_local rules of the realm, in order, e.g. ['RULE:[1:$1](alice)s/^/mail-/', 'DEFAULT']. */
  readonly authToLocal?: readonly string[] | undefined;
}

const ENCTYPES = 'aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96';

/**
 * krb5.conf for clients and acceptors of the test realm. No DNS, no reverse lookups, no hostname canonicalisation:
 * `pop@localhost` must stay `pop/localhost@REALM`. TCP first (udp_preference_limit = 1), to the KDC's loopback port.
 */
export function krb5Conf({ realm, port, clockskew, authToLocal = [] }: KdcConfigInput): string {
  return `[libdefaults]
  default_realm = ${realm}
  dns_lookup_realm = false
  dns_lookup_kdc = false
  rdns = false
  dns_canonicalize_hostname = false
  udp_preference_limit = 1
  permitted_enctypes = ${ENCTYPES}
${clockskew === undefined ? '' : `  clockskew = ${clockskew}\n`}
[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
${authToLocal.map((rule) => `    auth_to_local = ${rule}\n`).join('')}  }

[domain_realm]
  localhost = ${realm}
  .localhost = ${realm}
`;
}

/** kdc.conf: the database, stash, ACL and log all live in `dir`; the KDC listens on 127.0.0.1 only. */
export function kdcConf({ dir, realm, port }: KdcConfigInput): string {
  return `[kdcdefaults]
  kdc_listen = 127.0.0.1:${port}
  kdc_tcp_listen = 127.0.0.1:${port}

[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
    master_key_type = aes256-cts-hmac-sha1-96
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
    max_life = 10h
    max_renewable_life = 1d
  }

[logging]
  kdc = FILE:${join(dir, 'kdc.log')}
  admin_server = FILE:${join(dir, 'kadmin.log')}
  default = FILE:${join(dir, 'krb5.log')}
`;
}
