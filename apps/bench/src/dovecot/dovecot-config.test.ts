import { describe, expect, it } from 'vitest';
import { dovecotConfig } from './dovecot-config.js';

const base = {
  dir: '/tmp/dv',
  corpus: '/data/corpus',
  port: 11110,
  clientLimit: 8,
  loginProcesses: 2,
  loginUser: 'dovenull',
  internalUser: 'dovecot',
  mailUser: 'vmail',
};

describe('dovecotConfig', () => {
  it('keeps everything private: its own base_dir and log, 127.0.0.1 and the given port, no TLS', () => {
    const config = dovecotConfig({ ...base, mode: 'stock' });
    for (const line of [
      'base_dir = /tmp/dv/run',
      'log_path = /tmp/dv/dovecot.log',
      'listen = 127.0.0.1',
      'ssl = no',
      'mail_location = maildir:/data/corpus/%u/Maildir',
      '  args = scheme=PLAIN /data/corpus/passwd',
      '    port = 11110',
      'mail_uid = vmail',
    ]) {
      expect(config.split('\n')).toContain(line);
    }
    expect(config).not.toContain('client_limit');
  });

  it('tuned: login high-performance mode and several clients per pop3 process', () => {
    const config = dovecotConfig({ ...base, mode: 'tuned' });
    expect(config).toContain('service pop3-login {\n  service_count = 0\n  process_min_avail = 2');
    expect(config).toContain('service pop3 {\n  client_limit = 8');
  });
});
