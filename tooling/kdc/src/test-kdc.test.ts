import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import { findKerberosTools, krb5DevInstalled } from './kerberos-tools.js';
import { initiatorTokens, SaslGssapiClient } from './sasl-gssapi-client.js';
import { alive } from './stop-process.js';
import { startTestKdc, type TestKdc } from './test-kdc.js';

const exec = promisify(execFile);
const required = krb5DevInstalled();
const temp = () => mkdtempSync(join(tmpdir(), 'poplar-test-kdc-'));

describe.skipIf(!required)(`test KDC${required ? '' : ' (skipped: the Kerberos packages are not installed)'}`, () => {
  let kdc: TestKdc;

  beforeAll(async () => {
    const tools = findKerberosTools();
    if (!tools.ok) throw new Error(tools.reason);
    kdc = await startTestKdc({ dir: temp() });
  });

  afterAll(async () => {
    await kdc?.stop();
    if (kdc) rmSync(kdc.dir, { recursive: true, force: true });
  });

  it('keeps every file in its directory and describes itself in env.sh', () => {
    expect(Object.values(kdc.env).every((value) => value.replace(/^FILE:/, '').startsWith(kdc.dir))).toBe(true);
    expect(readdirSync(kdc.dir)).toEqual(
      expect.arrayContaining(['krb5.conf', 'kdc.conf', 'pop.keytab', 'ccache', 'env.sh', 'kdc.pid']),
    );
    const envSh = readFileSync(join(kdc.dir, 'env.sh'), 'utf8');
    expect(envSh).toContain(`export KDC_PID='${kdc.pid}'\n`);
    expect(envSh).toContain(`export KRB5_KEYTAB='${kdc.keytab}'\n`);
    expect(readFileSync(kdc.env.KRB5_CONFIG, 'utf8')).toContain(`kdc = 127.0.0.1:${kdc.port}`);
  });

  it('has alice ticketed and the pop/localhost key in the keytab', async () => {
    const env = { ...process.env, ...kdc.env };
    const tickets = await exec('klist', [], { env });
    expect(tickets.stdout).toContain('Default principal: alice@EXAMPLE.TEST');
    const keys = await exec('klist', ['-k', kdc.keytab], { env });
    expect(keys.stdout).toContain('pop/localhost@EXAMPLE.TEST');
  });

  it('serves the Python GSSAPI client and reports kadmin errors', async () => {
    const client = new SaslGssapiClient({ env: kdc.env, mutual: true });
    const token = await client.initial();
    // An AP-REQ in a GSS-API initial context token: 0x60, then the Kerberos OID.
    expect(token[0]).toBe(0x60);
    expect(Buffer.from(token).includes(Buffer.from('2a864886f712010202', 'hex'))).toBe(true);
    client.close();
    expect(await initiatorTokens({ env: kdc.env, count: 3 })).toHaveLength(3);
    await expect(kdc.kadmin('addprinc -pw x alice')).rejects.toThrow(/already exists/);
    await expect(kdc.kinit({ password: 'wrong' })).rejects.toThrow(/kinit/);
  });

  it('stops by pid, once', async () => {
    const other = await startTestKdc({ dir: temp(), realm: 'OTHER.TEST' });
    expect(alive(other.pid)).toBe(true);
    await other.stop();
    await other.stop();
    expect(alive(other.pid)).toBe(false);
    rmSync(other.dir, { recursive: true, force: true });
  });

  it('starts a detached KDC from the command line and stops it by its pid file', async () => {
    const dir = temp();
    const exports = await cli(['start', dir, '--clockskew', '5']);
    const pid = Number(/export KDC_PID='(\d+)'/.exec(exports)?.[1]);
    expect(alive(pid)).toBe(true);
    expect(await cli(['env', dir])).toBe(exports);
    expect(readFileSync(join(dir, 'krb5.conf'), 'utf8')).toContain('clockskew = 5');
    await cli(['stop', dir]);
    expect(alive(pid)).toBe(false);
    await expect(cli(['start'])).rejects.toThrow(/^usage:/);
    rmSync(dir, { recursive: true, force: true });
  });
});
