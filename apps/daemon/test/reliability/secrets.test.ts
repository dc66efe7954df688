import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ntHash } from '@poplar/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlfMessage } from '../helpers/messages.js';
import { PopClient } from '../helpers/pop-client.js';
import { CLI, createFixture, DaemonProcess, type Fixture, killAllDaemons, poplard } from '../helpers/poplard.js';
import { runTool } from '../helpers/run-tool.js';
import { reportFigures } from './helpers/figures.js';

/** Passwords that must never show up anywhere: distinctive, so a grep finds any copy. */
const SECRETS = {
  alice: 'Alice-Secret-7f3a9c horse',
  wrong: 'Wrong-Guess-0b1d2e',
  mistyped: 'Typed-As-Command-55aa11',
  plainWrong: 'Plain-Wrong-c0ffee',
  ntlmWrong: 'Ntlm-Wrong-deadbeef',
};

let fixture: Fixture;
let configFile: string;

beforeAll(async () => {
  fixture = await createFixture();
  configFile = await fixture.writeConfig(
    { Mechanisms: ['NTLM', 'PLAIN'], LoginType: 'PlainTextLogin' },
    'secrets.toml',
  );
  await fixture.addUser('alice', SECRETS.alice, { ntlm: true });
  expect((await fixture.deliver('alice', crlfMessage('secret test'))).code).toBe(0);
});

afterAll(async () => {
  await killAllDaemons();
  await fixture?.cleanup();
});

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Every form in which a secret could leak: as typed, in base64 (PLAIN), and the NT hash in hex and base64. */
function leakForms(): string[] {
  const forms: string[] = [];
  for (const secret of Object.values(SECRETS)) {
    const hash = Buffer.from(ntHash(secret));
    forms.push(secret, secret.split(' ')[0] as string, b64(`\0alice\0${secret}`), b64(`alice\0alice\0${secret}`));
    forms.push(hash.toString('hex'), hash.toString('hex').toUpperCase(), hash.toString('base64'));
  }
  return forms;
}

describe('secrets stay out of logs and answers', () => {
  it('no password, AUTH data or NT hash in the whole log output or any answer', async () => {
    const daemon = await DaemonProcess.start(configFile);
    const port = daemon.port('plain');
    const answers: string[] = [];
    const session = async (lines: string[]): Promise<void> => {
      const client = await PopClient.connect({ port });
      answers.push((await client.readLine()) ?? '');
      for (const line of lines) {
        const reply = await client.command(line).catch((err: Error) => err.message);
        answers.push(reply);
        if (reply.startsWith('+OK') && line === 'QUIT') break;
      }
      answers.push(client.pending);
      client.close();
    };
    // USER/PASS, right and wrong; the password sent as a command line by mistake (before and after USER).
    await session(['USER alice', `PASS ${SECRETS.alice}`, 'STAT', 'QUIT']);
    await session(['USER alice', `PASS ${SECRETS.wrong}`, 'USER alice', SECRETS.mistyped, SECRETS.alice, 'QUIT']);
    await session([SECRETS.mistyped, `${SECRETS.alice}`]);
    // AUTH PLAIN with an initial response and as a continuation, right and wrong.
    await session([`AUTH PLAIN ${b64(`\0alice\0${SECRETS.alice}`)}`, 'QUIT']);
    await session([
      `AUTH PLAIN ${b64(`\0alice\0${SECRETS.plainWrong}`)}`,
      'AUTH PLAIN',
      b64(`alice\0alice\0${SECRETS.alice}`),
      'QUIT',
    ]);
    // Broken AUTH data that carries a secret.
    await session(['AUTH PLAIN', `${b64(`\0alice\0${SECRETS.plainWrong}`)}!!`, 'AUTH PLAIN', '*']);
    // NTLM with curl, right and wrong password (the NT hash is what NTLM proves knowledge of).
    const ntlm = (password: string) =>
      runTool('curl', [
        '-sS',
        '--max-time',
        '10',
        '--login-options',
        'AUTH=NTLM',
        '-u',
        `alice:${password}`,
        `pop3://127.0.0.1:${port}/1`,
      ]);
    expect((await ntlm(SECRETS.alice)).code).toBe(0);
    expect((await ntlm(SECRETS.ntlmWrong)).code).toBe(67);
    await daemon.waitFor((line) => line.event === 'session' && line.mechanism === 'NTLM');
    await daemon.stop();

    const output = JSON.stringify(daemon.logs) + daemon.stderr;
    const everything = `${output}\n${answers.join('\n')}`;
    const found = leakForms().filter((form) => everything.includes(form));
    expect(found).toEqual([]);
    // The log did see these logins: the grep looked at the right output.
    expect(daemon.logs.filter((line) => line.event === 'login-failed').length).toBeGreaterThanOrEqual(3);
    expect(
      daemon.logs.filter((line) => line.event === 'session' && line.user === 'alice').length,
    ).toBeGreaterThanOrEqual(3);
    reportFigures('secrets', {
      logLines: daemon.logs.length,
      answers: answers.length,
      formsSearched: leakForms().length,
    });
  });

  it('user list and the users file hold no secret in clear; the users file is created 0600 even with umask 000', async () => {
    const listed = await poplard(['user', 'list', '--json', '--config', configFile]);
    expect(listed.code).toBe(0);
    for (const form of leakForms()) expect(listed.stdout.toString()).not.toContain(form);
    // No hash ("scheme$params$salt$hash") and no NT field, only names and flags.
    expect(listed.stdout.toString()).not.toMatch(/\$[A-Za-z0-9+/=,]{8,}\$|nt=/);
    const users = await readFile(fixture.usersFile, 'utf8');
    for (const form of leakForms()) expect(users).not.toContain(form);

    const loose = join(fixture.dir, 'umask.toml');
    await writeFile(
      loose,
      (await readFile(configFile, 'utf8')).replace(fixture.usersFile, join(fixture.dir, 'users-umask')),
    );
    const added = await runTool(
      'bash',
      ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, CLI, 'user', 'add', 'bob', '--config', loose],
      {
        input: 'bob password 1\n',
      },
    );
    expect(added.code, added.stderr).toBe(0);
    expect((await stat(join(fixture.dir, 'users-umask'))).mode & 0o777).toBe(0o600);
  });
});

describe('files others can read are refused', () => {
  const serve = (file: string) => poplard(['serve', '--config', file]);

  it('a group- or world-readable users file, NT key file or TLS key file stops start-up with a clear error', async () => {
    const cases: Array<{ file: string; setting: RegExp }> = [
      { file: fixture.usersFile, setting: /UsersFile: .*users file has mode 0640; .*chmod 600/ },
      { file: fixture.ntKeyFile, setting: /NtHashKeyFile: .*nt\.key has mode 0640; chmod 600 it/ },
      {
        file: fixture.keyFile,
        setting: /TlsCertificateFile: .*key\.pem has mode 0640; a private key must be chmod 600/,
      },
    ];
    for (const { file, setting } of cases) {
      await chmod(file, 0o640);
      try {
        const result = await serve(configFile);
        expect(result.code, result.stderr).toBe(78);
        expect(result.stderr).toMatch(setting);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        await chmod(file, 0o600);
      }
    }
    // World-readable is refused as well, and "user add --ntlm" will not use a readable NT key either.
    await chmod(fixture.ntKeyFile, 0o644);
    try {
      const added = await poplard(['user', 'add', 'carol', '--ntlm', '--config', configFile], 'carol password\n');
      expect(added.code).not.toBe(0);
      expect(added.stderr).toMatch(/nt\.key has mode 0644/);
    } finally {
      await chmod(fixture.ntKeyFile, 0o600);
    }
  });

  it('a key made readable while running is refused at reload; the old one stays in force', async () => {
    const daemon = await DaemonProcess.start(await fixture.writeConfig({ Workers: 1 }, 'reload.toml'));
    try {
      await chmod(fixture.keyFile, 0o644);
      await daemon.reload();
      const failed = daemon.logs.find((line) => line.event === 'reload-failed' && line.what === 'tls');
      expect(String(failed?.error)).toMatch(/key\.pem has mode 0644/);
      const client = await PopClient.connect({ port: daemon.port('tls'), tls: true });
      expect(await client.readLine()).toMatch(/^\+OK/);
      client.close();
    } finally {
      await chmod(fixture.keyFile, 0o600);
      await daemon.stop();
    }
  });
});
