import { join } from 'node:path';

export type DovecotMode = 'stock' | 'tuned';
export const DOVECOT_MODES: readonly DovecotMode[] = ['stock', 'tuned'];

export interface DovecotConfigOptions {
  /** Folder for the instance: its config, base_dir, state and log. */
  dir: string;
  /** Corpus folder: DIR/<user>/Maildir and DIR/passwd. */
  corpus: string;
  port: number;
  mode: DovecotMode;
  /** Tuned mode: connections one pop3 process serves at once. */
  clientLimit: number;
  /** Tuned mode: login processes kept running (high-performance mode wants one per CPU core). */
  loginProcesses: number;
  loginUser: string;
  internalUser: string;
  /** Owner of the corpus files, whom Dovecot reads mail as (it refuses to read mail as root). */
  mailUser: string;
}

/**
 * A complete dovecot.conf for a private instance: POP3 only on 127.0.0.1, no TLS, {PLAIN} passwords from the
 * corpus passwd-file, mail read as `mailUser`. "stock" keeps Dovecot's process model (a login process and a pop3
 * process per connection); "tuned" is login high-performance mode with several clients per pop3 process.
 */
export function dovecotConfig(options: DovecotConfigOptions): string {
  const { dir, corpus } = options;
  const tuned =
    options.mode === 'tuned'
      ? [
          'service pop3-login {',
          '  service_count = 0',
          `  process_min_avail = ${options.loginProcesses}`,
          '}',
          'service pop3 {',
          `  client_limit = ${options.clientLimit}`,
          '  service_count = 0',
          '}',
        ]
      : [];
  return [
    `base_dir = ${join(dir, 'run')}`,
    `state_dir = ${join(dir, 'state')}`,
    `log_path = ${join(dir, 'dovecot.log')}`,
    `instance_name = poplar-bench-${options.port}`,
    'protocols = pop3',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `default_login_user = ${options.loginUser}`,
    `default_internal_user = ${options.internalUser}`,
    'login_trusted_networks = 127.0.0.0/8',
    'mail_max_userip_connections = 100000',
    `mail_location = maildir:${corpus}/%u/Maildir`,
    `mail_uid = ${options.mailUser}`,
    `mail_gid = ${options.mailUser}`,
    'first_valid_uid = 1',
    'first_valid_gid = 1',
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN ${join(corpus, 'passwd')}`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = home=${corpus}/%u`,
    '}',
    'service pop3-login {',
    '  inet_listener pop3 {',
    '    address = 127.0.0.1',
    `    port = ${options.port}`,
    '  }',
    '  inet_listener pop3s {',
    '    port = 0',
    '  }',
    '}',
    ...tuned,
    '',
  ].join('\n');
}
