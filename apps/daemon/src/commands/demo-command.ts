import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateNtKey, openUserDatabase } from '@poplar/auth';
import { stringify } from 'smol-toml';
import { loadDaemonConfig } from '../config/daemon-config.js';
import { Logger } from '../logger.js';
import { loadNtKey } from '../nt-key.js';
import { makeSelfSignedCertificate } from '../self-signed-certificate.js';
import { startDaemon } from '../start-daemon.js';
import { deliverMessage } from '../store.js';
import { runUntilSignal } from './serve-command.js';

const DEMO_USER = 'alice';

/** The repository root (the folder with pnpm-workspace.yaml above this file), or the working folder. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function port(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
}

/** A self-signed certificate for the demo, made with the openssl CLI; none (and no TLS) when openssl is missing. */
async function demoCertificate(dir: string): Promise<{ cert: string; key: string } | undefined> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  try {
    await makeSelfSignedCertificate(cert, key, { days: 30 });
    return { cert, key };
  } catch {
    return undefined;
  }
}

function demoMessages(): string[] {
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const message = (n: number, subject: string, body: string): string =>
    [
      'From: Poplar Demo <demo@poplar.example>',
      `To: ${DEMO_USER}@poplar.example`,
      `Subject: ${subject}`,
      `Date: ${date}`,
      `Message-ID: <demo-${n}-${randomBytes(4).toString('hex')}@poplar.example>`,
      '',
      body,
      '',
    ].join('\n');
  return [
    message(
      1,
      'Welcome to Poplar',
      'This message came from a Maildir on your disk.\nUIDLs stay the same across sessions.',
    ),
    message(
      2,
      'Dots and line ends',
      '.A line that starts with a dot is dot-stuffed on the wire.\n..and so is this one.',
    ),
    message(3, 'Delete me', 'DELE marks a message; it is removed when the session ends with QUIT.'),
  ];
}

/**
 * `poplard demo`: a working server on 127.0.0.1 with a fresh demo user and messages under .demo/ (reset on each
 * run; the certificate and the NT key are kept). LoginType is PlainTextLogin because it only listens on loopback.
 */
export async function demoCommand(): Promise<number> {
  const dir = resolve(process.env.POPLAR_DEMO_DIR ?? join(repositoryRoot(), '.demo'));
  const plainPort = port('POPLAR_DEMO_PORT', 1110);
  const tlsPort = port('POPLAR_DEMO_TLS_PORT', 1995);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await rm(join(dir, 'mail'), { recursive: true, force: true });
  await rm(join(dir, 'users'), { force: true });
  const ntKeyFile = join(dir, 'nt.key');
  if (!existsSync(ntKeyFile)) await writeFile(ntKeyFile, `${generateNtKey()}\n`, { mode: 0o600 });
  const certificate = await demoCertificate(dir);

  const configFile = join(dir, 'poplar.toml');
  await writeFile(
    configFile,
    `# Written by "poplard demo"; it is rewritten on every run.\n${stringify({
      MailRoot: 'mail',
      UsersFile: 'users',
      NtHashKeyFile: 'nt.key',
      LoginType: 'PlainTextLogin',
      Mechanisms: ['NTLM', 'PLAIN'],
      Banner: 'Poplar demo POP3 server ready.',
      UnencryptedOrTLSBindings: [`127.0.0.1:${plainPort}`],
      SSLBindings: certificate === undefined ? [] : [`127.0.0.1:${tlsPort}`],
      ...(certificate === undefined ? {} : { TlsCertificateFile: 'cert.pem', TlsKeyFile: 'key.pem' }),
    })}`,
  );
  const config = await loadDaemonConfig(configFile);

  const password = randomBytes(9).toString('base64url');
  const { key: ntKey } = await loadNtKey(config);
  const users = await openUserDatabase(config.usersFile, { create: true, ...(ntKey === undefined ? {} : { ntKey }) });
  await users.add(DEMO_USER, password, { ntlm: true });
  for (const text of demoMessages()) await deliverMessage(config, users, DEMO_USER, Readable.from([Buffer.from(text)]));

  const logger = new Logger();
  const daemon = await startDaemon(config, logger);
  // The ports actually bound: the environment may ask for 0 (any free port).
  const bound = (kind: 'plain' | 'tls'): number | undefined => daemon.listeners.find((l) => l.kind === kind)?.port;
  const plain = bound('plain');
  const secure = bound('tls');
  const login = `-u ${DEMO_USER}:${password}`;
  const lines = [
    '',
    `Poplar demo: user ${DEMO_USER}, password ${password}, files in ${dir}`,
    '',
    `  curl pop3://127.0.0.1:${plain}/ ${login}                          # list`,
    `  curl pop3://127.0.0.1:${plain}/1 ${login}                         # fetch message 1`,
    `  curl pop3://127.0.0.1:${plain}/ ${login} -X 'DELE 3' -I           # delete message 3`,
    `  curl pop3://127.0.0.1:${plain}/ ${login} --login-options AUTH=NTLM`,
  ];
  if (secure !== undefined) {
    lines.push(
      `  curl --ssl-reqd -k pop3://127.0.0.1:${plain}/1 ${login}           # STLS`,
      `  curl -k pop3s://127.0.0.1:${secure}/1 ${login}                    # implicit TLS`,
    );
  } else {
    lines.push('  (openssl was not found: no certificate, so no STLS and no pop3s)');
  }
  lines.push('', 'Ctrl-C stops the server.', '');
  process.stderr.write(`${lines.join('\n')}\n`);
  return runUntilSignal(async () => daemon, logger);
}
