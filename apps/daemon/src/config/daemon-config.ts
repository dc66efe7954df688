import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { DEFAULT_SETTINGS, type LoginType, type SessionSettings } from '@poplar/session';
import { parse, TomlError, type TomlTable } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { type ListenerConfig, type ProxySettings, readListeners } from './listener-config.js';
import { type ConfigSource, TableReader } from './table-reader.js';

export const MECHANISM_NAMES = ['NTLM', 'GSSAPI', 'PLAIN'] as const;
export type MechanismName = (typeof MECHANISM_NAMES)[number];
export const LOGIN_TYPES: readonly LoginType[] = ['PlainTextLogin', 'PlainTextAuthentication', 'SecureLogin'];

export interface TlsFiles {
  readonly certificateFile: string;
  readonly keyFile: string;
}

export interface PenaltySettings {
  /** Extra delay unit per repeated failure from one address, ms. */
  readonly stepMs: number;
  readonly maxMs: number;
  /** Time for one remembered failure to be forgotten, ms. */
  readonly decayMs: number;
  /** Most addresses remembered at once. */
  readonly tableSize: number;
}

export interface NtlmSettings {
  readonly domain: string;
  readonly computerName: string;
  readonly dnsDomainName: string | undefined;
  readonly dnsComputerName: string | undefined;
  readonly allowNtlmV1: boolean;
}

export interface GssapiSettings {
  /** The service keys; default KRB5_KTNAME from the environment, else /etc/krb5.keytab. */
  readonly keytab: string;
  /** Service name of the principal clients get tickets for (service/host@REALM). */
  readonly serviceName: string;
  /** Realm whose user@Realm principals map to user; default krb5.conf's default_realm. */
  readonly realm: string | undefined;
  /** Kerberos principal -> user name, checked first. */
  readonly principalMap: ReadonlyMap<string, string>;
  /** Map principals with krb5.conf's auth_to_local rules instead of dropping @Realm. */
  readonly useAuthToLocal: boolean;
}

export interface DaemonConfig {
  readonly file: string;
  readonly session: SessionSettings;
  readonly exactSize: boolean;
  /** Read messages with blocking calls on the worker's thread (fast for mail in the page cache). */
  readonly blockingReads: boolean;
  /** The read of a message stored with LF from which its CRLF form is kept; 0 keeps none. */
  readonly crlfCacheAfterReads: number;
  /** SendFile: send kept wire forms with sendfile(2) on plain connections. */
  readonly sendFile: boolean;
  readonly plainListeners: readonly ListenerConfig[];
  readonly tlsListeners: readonly ListenerConfig[];
  /** Set when a listener expects a PROXY protocol header. */
  readonly proxy: ProxySettings | undefined;
  readonly tls: TlsFiles | undefined;
  readonly mailRoot: string;
  readonly usersFile: string;
  readonly ntHashKeyFile: string | undefined;
  readonly mechanisms: readonly MechanismName[];
  readonly maxConnections: number;
  readonly maxConnectionFromSingleIP: number;
  readonly maxConnectionsPerUser: number;
  readonly penalty: PenaltySettings;
  readonly shutdownGracePeriodMs: number;
  /** Processes serving connections; 1 serves them in this process (Workers = "auto": one per core). */
  readonly workers: number;
  readonly ntlm: NtlmSettings;
  readonly gssapi: GssapiSettings;
}

const INT_MAX = 2_147_483_647;
const MAX_WORKERS = 1024;

const workerCount = (value: number | 'auto'): number =>
  value === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : value;

function mechanisms(reader: TableReader): MechanismName[] {
  const names = reader.stringList('Mechanisms', MECHANISM_NAMES);
  const seen = new Set<MechanismName>();
  for (const name of names) {
    const found = MECHANISM_NAMES.find((known) => known === name.toUpperCase());
    if (found === undefined)
      throw reader.error('Mechanisms', `unknown mechanism "${name}" (known: ${MECHANISM_NAMES.join(', ')})`);
    if (seen.has(found)) throw reader.error('Mechanisms', `${found} is listed twice`);
    seen.add(found);
  }
  return [...seen];
}

function tlsFiles(reader: TableReader): TlsFiles | undefined {
  const certificateFile = reader.optionalPath('TlsCertificateFile');
  const keyFile = reader.optionalPath('TlsKeyFile');
  if ((certificateFile === undefined) !== (keyFile === undefined)) {
    throw reader.error(
      certificateFile === undefined ? 'TlsKeyFile' : 'TlsCertificateFile',
      'TlsCertificateFile and TlsKeyFile go together',
    );
  }
  return certificateFile === undefined || keyFile === undefined ? undefined : { certificateFile, keyFile };
}

/** The session settings; defaults are the engine's own (Exchange's), so the two never drift apart. */
function sessionSettings(reader: TableReader): SessionSettings {
  const d = DEFAULT_SETTINGS;
  return {
    maxCommandSize: reader.integer('MaxCommandSize', d.maxCommandSize, 40, 1024),
    maxAuthLineSize: reader.integer('MaxAuthLineSize', d.maxAuthLineSize, 1024, 1_048_576),
    preAuthenticatedTimeoutMs: reader.seconds(
      'PreAuthenticatedConnectionTimeout',
      d.preAuthenticatedTimeoutMs / 1000,
      30,
      3600,
    ),
    authenticatedTimeoutMs: reader.seconds(
      'AuthenticatedConnectionTimeout',
      d.authenticatedTimeoutMs / 1000,
      30,
      86400,
    ),
    loginType: reader.choice('LoginType', LOGIN_TYPES, d.loginType),
    responseCodes: reader.boolean('ResponseCodes', d.responseCodes),
    banner: reader.optionalString('Banner', 400) ?? d.banner,
    maxFailedLogins: reader.integer('MaxFailedLogins', d.maxFailedLogins, 1, 100),
    maxBadCommands: reader.integer('MaxBadCommands', d.maxBadCommands, 1, 1000),
    maxPreAuthCommands: reader.integer('MaxPreAuthCommands', d.maxPreAuthCommands, 2, 1000),
    maxProtocolErrors: reader.integer('MaxProtocolErrors', d.maxProtocolErrors, 1, 1000),
    failedLoginDelayMs: reader.seconds('FailedLoginDelay', d.failedLoginDelayMs / 1000, 0, 60),
    maxAuthSteps: reader.integer('MaxAuthSteps', d.maxAuthSteps, 2, 100),
  };
}

/** Parses and checks a config file's text. Relative paths are resolved from the file's folder. */
export function parseDaemonConfig(text: string, file: string): DaemonConfig {
  let document: TomlTable;
  try {
    document = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'syntax error';
      throw new ConfigError(file, err.line, undefined, `TOML syntax error: ${reason} (column ${err.column})`);
    }
    throw err;
  }
  const source: ConfigSource = { file, text };
  const root = new TableReader(source, document);
  const tls = tlsFiles(root);
  const { plainListeners, tlsListeners, proxy } = readListeners(root, tls !== undefined);
  if (tlsListeners.length > 0 && tls === undefined) {
    throw root.error('SSLBindings', 'implicit-TLS listeners need TlsCertificateFile and TlsKeyFile');
  }
  if (plainListeners.length + tlsListeners.length === 0) {
    throw root.error('UnencryptedOrTLSBindings', 'no listener is configured');
  }
  const ntlm = root.table('NTLM');
  const gssapi = root.table('GSSAPI');
  const config: DaemonConfig = {
    file,
    session: sessionSettings(root),
    exactSize: root.boolean('EnableExactRFC822Size', true),
    blockingReads: root.boolean('BlockingReads', true),
    crlfCacheAfterReads: root.integer('CrlfCacheAfterReads', 2, 0, 1000),
    sendFile: root.boolean('SendFile', true),
    plainListeners,
    tlsListeners,
    proxy,
    tls,
    mailRoot: root.path('MailRoot'),
    usersFile: root.path('UsersFile'),
    ntHashKeyFile: root.optionalPath('NtHashKeyFile'),
    mechanisms: mechanisms(root),
    maxConnections: root.integer('MaxConnections', 10000, 1, INT_MAX),
    maxConnectionFromSingleIP: root.integer('MaxConnectionFromSingleIP', 200, 1, INT_MAX),
    maxConnectionsPerUser: root.integer('MaxConnectionsPerUser', 16, 1, INT_MAX),
    penalty: {
      stepMs: root.seconds('FailedLoginPenalty', 1, 0, 60),
      maxMs: root.seconds('FailedLoginPenaltyMax', 30, 0, 600),
      decayMs: root.seconds('FailedLoginPenaltyDecay', 60, 1, 86400),
      tableSize: root.integer('FailedLoginPenaltyTableSize', 10000, 1, 10_000_000),
    },
    shutdownGracePeriodMs: root.seconds('ShutdownGracePeriod', 10, 0, 3600),
    workers: workerCount(root.integerOrWord('Workers', 'auto', 'auto', 1, MAX_WORKERS)),
    ntlm: {
      domain: ntlm.optionalString('Domain', 15) ?? 'POPLAR',
      computerName: ntlm.optionalString('ComputerName', 15) ?? 'POPLAR',
      dnsDomainName: ntlm.optionalString('DnsDomainName', 255),
      dnsComputerName: ntlm.optionalString('DnsComputerName', 255),
      allowNtlmV1: ntlm.boolean('AllowNtlmV1', false),
    },
    gssapi: {
      keytab: gssapi.optionalPath('Keytab') ?? process.env.KRB5_KTNAME ?? '/etc/krb5.keytab',
      serviceName: gssapi.optionalString('ServiceName', 64) ?? 'pop',
      realm: gssapi.optionalString('Realm', 255),
      principalMap: gssapi.stringMap('PrincipalMap'),
      useAuthToLocal: gssapi.boolean('UseAuthToLocal', false),
    },
  };
  ntlm.finish();
  gssapi.finish();
  root.finish();
  return config;
}

/** The config file's text (worker processes get this text, so all of them run the same configuration). */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, undefined, undefined, `cannot read the config file: ${(err as Error).message}`);
  }
}

export async function loadDaemonConfig(file: string): Promise<DaemonConfig> {
  return parseDaemonConfig(await readConfigText(file), file);
}
