import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSessionEngine } from './engine.js';
import { DEFAULT_SETTINGS } from './settings.js';
import { createMemoryStore, createMemoryVerifier } from './testing/index.js';

const base = () => ({ store: createMemoryStore({ users: {} }), passwords: createMemoryVerifier({}) });

describe('createSessionEngine', () => {
  it('has Exchange defaults', () => {
    expect(createSessionEngine(base()).settings).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({
      maxCommandSize: 512,
      preAuthenticatedTimeoutMs: 60_000,
      authenticatedTimeoutMs: 1_800_000,
      loginType: 'SecureLogin',
      responseCodes: false,
      banner: 'The Microsoft Exchange POP3 service is ready.',
      maxFailedLogins: 3,
      maxProtocolErrors: 3,
      maxBadCommands: 10,
      maxPreAuthCommands: 9,
    });
    expect(Object.isFrozen(DEFAULT_SETTINGS)).toBe(true);
  });

  it.each([39, 1025, 512.5, Number.NaN])('refuses MaxCommandSize %s with a TypeError naming it', (value) => {
    expect(() => createSessionEngine({ ...base(), settings: { maxCommandSize: value } })).toThrow(
      /maxCommandSize \(MaxCommandSize\)/,
    );
    expect(() => createSessionEngine({ ...base(), settings: { maxCommandSize: value } })).toThrow(TypeError);
  });

  it.each([
    [{ maxCommandSize: 40 }, undefined],
    [{ maxCommandSize: 1024 }, undefined],
    [{ preAuthenticatedTimeoutMs: 0 }, /preAuthenticatedTimeoutMs/],
    [{ maxAuthLineSize: 100 }, /maxAuthLineSize/],
    [{ maxCommandSize: 1024, maxAuthLineSize: 1000 }, /maxAuthLineSize/],
    [{ loginType: 'Anything' }, /loginType/],
    [{ responseCodes: 'yes' }, /responseCodes/],
    [{ banner: 'two\r\nlines' }, /banner/],
    [{ maxFailedLogins: 0 }, /maxFailedLogins/],
    [{ colour: 'blue' }, /colour: unknown setting/],
  ])('checks %o', (settings, error) => {
    const create = () => createSessionEngine({ ...base(), settings: settings as never });
    if (error) expect(create).toThrow(error);
    else expect(create).not.toThrow();
  });

  it('checks the store, the verifier, texts and startTls', () => {
    expect(() => createSessionEngine({ ...base(), store: {} as never })).toThrow(/store/);
    expect(() => createSessionEngine({ ...base(), passwords: undefined as never })).toThrow(/passwords/);
    expect(() => createSessionEngine({ ...base(), texts: { POP3_ERR_NOPE: 'x' } })).toThrow(/POP3_ERR_NOPE/);
    expect(() => createSessionEngine({ ...base(), texts: { POP3_ERR_TIMEOUT: 'a\nb' } })).toThrow(/single line/);
    expect(() => createSessionEngine({ ...base(), startTls: 'yes' as never })).toThrow(/startTls/);
  });

  it('never rejects, even for a stream that is already destroyed', async () => {
    const engine = createSessionEngine(base());
    const stream = new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
    });
    stream.destroy();
    const summary = await engine.run(stream, { id: 'x', remoteAddress: '::1', secure: false });
    expect(summary.end).toBe('closed');
  });

  it('survives hooks that throw', async () => {
    const { openTestSession } = await import('./testing/index.js');
    const engine = createSessionEngine({
      ...base(),
      settings: { loginType: 'PlainTextLogin' },
      hooks: {
        event() {
          throw new Error('logger broken');
        },
      },
    });
    const s = openTestSession(engine);
    s.send('CAPA', 'QUIT');
    expect((await s.rest()).at(-1)).toMatch(/^\+OK Microsoft/);
  });
});

describe('the source', () => {
  it('imports no network, TLS, file or process module', () => {
    const forbidden =
      /from\s+'(node:)?(net|tls|fs|fs\/promises|child_process|dgram|http|https|cluster|worker_threads)'/;
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
      }
    };
    walk(join(import.meta.dirname, '.'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect([file, forbidden.test(readFileSync(file, 'utf8'))]).toEqual([file, false]);
  });
});
