import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  formatSha512Crypt,
  parseSha512Crypt,
  randomCryptSalt,
  SHA512_CRYPT_MAX_PASSWORD,
  sha512Crypt,
  sha512CryptDigest,
  WORKER_SOURCE,
} from './sha512-crypt.js';
import { SHA512_WASM_BASE64 } from './wasm/sha512-wasm.js';

// The test vectors published with Drepper's "Unix crypt using SHA-256 and SHA-512": [setting, password, crypt].
const SPEC_VECTORS: readonly (readonly [string, string, string])[] = [
  [
    '$6$saltstring',
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomSalt = (length: number): string =>
  Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** A random password of `length` code points from ASCII, Latin-1, CJK and emoji (never a lone surrogate). */
function randomPassword(length: number): string {
  const ranges = [
    [0x20, 0x7e],
    [0xa0, 0xff],
    [0x4e00, 0x9fff],
    [0x1f600, 0x1f64f],
  ] as const;
  return Array.from({ length }, () => {
    const [low, high] = ranges[randomInt(ranges.length)]!;
    return String.fromCodePoint(randomInt(low, high + 1));
  }).join('');
}

describe('sha512Crypt', () => {
  it.each(SPEC_VECTORS)('matches the spec vector %s', async (setting, password, expected) => {
    expect(await sha512Crypt(password, setting)).toBe(expected);
    // crypt(3) verifies by hashing with the stored string as the setting.
    expect(await sha512Crypt(password, expected)).toBe(expected);
  });

  it('runs many digests at once in the worker pool, each with its own result', async () => {
    const results = await Promise.all(SPEC_VECTORS.map(([setting, password]) => sha512Crypt(password, setting)));
    expect(results).toEqual(SPEC_VECTORS.map(([, , expected]) => expected));
  });

  it('agrees with the system crypt(3) (libxcrypt, through Python) on random passwords, salts and rounds', () => {
    const cases = Array.from({ length: 24 }, (_, i) => {
      const password = i === 0 ? '' : randomPassword(i < 20 ? randomInt(1, 40) : randomInt(100, 160));
      const rounds = [undefined, 1000, 5000, randomInt(1000, 3000)][i % 4];
      const setting = `$6$${rounds === undefined ? '' : `rounds=${rounds}$`}${randomSalt(randomInt(0, 17))}`;
      return [password, setting] as const;
    });
    // 511 octets: the longest password crypt(3) takes.
    cases.push([`${'é'.repeat(255)}x`, `$6$${randomSalt(16)}`]);
    const script = 'import crypt, json, sys\nprint(json.dumps([crypt.crypt(p, s) for p, s in json.load(sys.stdin)]))';
    const expected = JSON.parse(
      execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', script], { input: JSON.stringify(cases) }).toString(),
    ) as string[];
    return Promise.all(
      cases.map(async ([password, setting], i) => {
        expect({ password, setting, crypt: await sha512Crypt(password, setting) }).toEqual({
          password,
          setting,
          crypt: expected[i],
        });
      }),
    );
  });

  it('agrees with openssl passwd -6', async () => {
    const cases = Array.from({ length: 6 }, (_, i) => [randomPassword(randomInt(1, 30)), randomSalt(i + 11)] as const);
    cases.push([' spaces around ', 'saltsaltsalt']);
    for (const [password, salt] of cases) {
      const expected = execFileSync('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], { input: `${password}\n` });
      expect(await sha512Crypt(password, `$6$${salt}`)).toBe(expected.toString().trim());
    }
  });

  it('takes passwords as bytes, not only as UTF-8 text', async () => {
    const bytes = Uint8Array.from([0xff, 0x00, 0x80, 0x41]);
    expect(await sha512Crypt(bytes, '$6$bytes')).not.toBe(await sha512Crypt('\u00ff\u0000\u0080A', '$6$bytes'));
  });

  it('refuses passwords over 511 octets and settings that are not $6$', async () => {
    await expect(sha512Crypt('x'.repeat(SHA512_CRYPT_MAX_PASSWORD + 1), '$6$salt')).rejects.toThrow(/511 octets/);
    await expect(sha512Crypt('pw', '$5$salt')).rejects.toThrow(RangeError);
    await expect(sha512Crypt('pw', '$6$s\u00e4lt')).rejects.toThrow(/printable ASCII/);
    await expect(sha512CryptDigest(Buffer.from('pw'), Buffer.from('s'.repeat(17)), 5000)).rejects.toThrow(/salt/);
    await expect(sha512CryptDigest(Buffer.from('pw'), Buffer.from('salt'), 999)).rejects.toThrow(/rounds/);
  });

  // Node versions that run TypeScript directly load the sources; older ones the build output (the test command
  // builds first), which is what users run anyway.
  const nodeRunsTypeScript = Boolean((process.features as { typescript?: unknown }).typescript);
  it('works in a program that Node runs as an ES module, whatever its flags', () => {
    const source = new URL(nodeRunsTypeScript ? './sha512-crypt.ts' : '../dist/sha512-crypt.js', import.meta.url).href;
    // The sources import each other as .js, as the build output does: the program maps those to the .ts files.
    const mapToSources = `import { registerHooks } from 'node:module';
      registerHooks({
        resolve: (specifier, context, next) =>
          specifier.startsWith('.') && specifier.endsWith('.js')
            ? next(specifier.replace(/\\.js$/, '.ts'), context)
            : next(specifier, context),
      });`;
    const script = `${nodeRunsTypeScript ? mapToSources : ''}
      const { sha512Crypt } = await import(${JSON.stringify(source)});
      console.log(await sha512Crypt('Hello world!', '$6$saltstring'));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script]);
    expect(output.toString().trim()).toBe(SPEC_VECTORS[0]![2]);
  });

  it('keeps the event loop free while the rounds run', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const start = performance.now();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await sha512CryptDigest(Buffer.from('pw'), Buffer.from('salt'), 100_000);
    const elapsed = performance.now() - start;
    clearInterval(timer);
    delay.disable();
    // Run on the main thread, the digest would stall the loop for all of `elapsed` and the timer would not fire.
    expect(delay.max / 1e6).toBeLessThan(elapsed / 2);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 10);
  });
});

describe('parseSha512Crypt / formatSha512Crypt', () => {
  const [, , vector] = SPEC_VECTORS[0]!;
  const hash = vector.split('$')[3]!;

  it.each([
    vector,
    SPEC_VECTORS[1]![2],
    `$6$rounds=5000$saltstring$${hash}`,
    `$6$$${hash}`,
  ])('round-trips %s', (text) => {
    expect(formatSha512Crypt(parseSha512Crypt(text))).toBe(text);
  });

  it('keeps whether rounds= was written', () => {
    expect(parseSha512Crypt(vector).rounds).toBeUndefined();
    expect(parseSha512Crypt(SPEC_VECTORS[1]![2]).rounds).toBe(10000);
    expect(Buffer.from(parseSha512Crypt(vector).salt).toString()).toBe('saltstring');
  });

  it.each([
    [`$5$saltstring$${hash}`, 'other crypt scheme'],
    [`$6$saltstring$${hash.slice(1)}`, 'hash one character short'],
    [`$6$saltstring$${hash}x`, 'hash one character long'],
    [`$6$saltstring$${hash.slice(0, -1)}2`, 'unused bits set in the last character'],
    [`$6$saltstring$${hash}$`, 'trailing $'],
    [`$6$saltstringsaltstr$${hash}`, 'salt of 17 characters'],
    [`$6$salt:string$${hash}`, 'salt outside the crypt alphabet'],
    [`$6$rounds=999$saltstring$${hash}`, 'rounds below 1000'],
    [`$6$rounds=05000$saltstring$${hash}`, 'rounds with a leading zero'],
    [`$6$rounds=1000000000$saltstring$${hash}`, 'rounds above 999999999'],
    [`$6$rounds=$saltstring$${hash}`, 'empty rounds'],
    [`$6$saltstring$${hash.replace('s', '+')}`, 'base64 character outside the crypt alphabet'],
    [`$6$saltstring`, 'no hash'],
  ])('refuses %s (%s)', (text) => {
    expect(() => parseSha512Crypt(text)).toThrow(/sha512-crypt hash must be/);
  });

  it('never quotes the hash in its errors', () => {
    expect(() => parseSha512Crypt(`$6$saltstring$${hash}x`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(hash) }),
    );
  });

  it('makes 16-character salts of the crypt alphabet', () => {
    const salts = Array.from({ length: 20 }, () => Buffer.from(randomCryptSalt()).toString('latin1'));
    for (const salt of salts) expect(salt).toMatch(/^[./0-9A-Za-z]{16}$/);
    expect(new Set(salts).size).toBe(salts.length);
  });

  it('encodes every digest so that it parses back to the same bytes', () => {
    for (let i = 0; i < 200; i++) {
      const digest = randomBytes(64);
      const text = formatSha512Crypt({ salt: Buffer.from('s'), hash: digest });
      expect(digest.equals(parseSha512Crypt(text).hash)).toBe(true);
    }
  });
});

interface DigestRequest {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly rounds: number;
}

/** A worker of its own, outside the pool: wasm null makes it hash each round with node:crypto. */
function startWorker(wasm: Uint8Array | null) {
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { wasm } });
  return {
    /** The digests of `requests`, one after another. */
    async digests(requests: readonly DigestRequest[]): Promise<Uint8Array[]> {
      const digests: Uint8Array[] = [];
      for (const request of requests) {
        worker.postMessage(request);
        // Rejects when the worker fails instead.
        const [digest] = (await once(worker, 'message')) as [Uint8Array];
        digests.push(digest);
      }
      return digests;
    },
    terminate: () => worker.terminate(),
  };
}

async function inWorker(wasm: Uint8Array | null, requests: readonly DigestRequest[]): Promise<Uint8Array[]> {
  const worker = startWorker(wasm);
  try {
    return await worker.digests(requests);
  } finally {
    await worker.terminate();
  }
}

const WASM = Buffer.from(SHA512_WASM_BASE64, 'base64');
const request = (password: string, salt: string, rounds: number): DigestRequest => ({
  password: Buffer.from(password),
  salt: Buffer.from(salt),
  rounds,
});

describe('the rounds cores', () => {
  it('agree: WebAssembly and node:crypto per round, on random passwords of 0..511 octets and salts of 0..16', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => ({
      password: randomBytes(i < 4 ? [0, 1, 511, 510][i]! : randomInt(0, 512)),
      salt: Buffer.from(randomSalt(randomInt(0, 17))),
      rounds: randomInt(1000, 1100),
    }));
    const [wasm, js] = await Promise.all([inWorker(WASM, requests), inWorker(null, requests)]);
    expect(wasm.map((d) => Buffer.from(d).toString('hex'))).toEqual(js.map((d) => Buffer.from(d).toString('hex')));
  });

  it('uses the WebAssembly core when it can, rather than falling back quietly', async () => {
    const truncated = WASM.subarray(0, 100);
    await expect(inWorker(truncated, [request('pw', 'salt', 1000)])).rejects.toMatchObject({ name: 'CompileError' });
  });

  it('falls back to node:crypto where WebAssembly is unavailable (node --jitless)', () => {
    const driver = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(process.env.SOURCE, {
        eval: true,
        workerData: { wasm: Buffer.from(process.env.WASM, 'base64') },
      });
      worker.on('message', (digest) => {
        console.log(typeof WebAssembly, Buffer.from(digest).toString('hex'));
        worker.terminate();
      });
      worker.postMessage({ password: Buffer.from('Hello world!'), salt: Buffer.from('saltstring'), rounds: 5000 });`;
    const output = execFileSync(process.execPath, ['--jitless', '--input-type=commonjs', '-e', driver], {
      env: { ...process.env, SOURCE: WORKER_SOURCE, WASM: SHA512_WASM_BASE64 },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const expected = Buffer.from(parseSha512Crypt(SPEC_VECTORS[0]![2]).hash).toString('hex');
    expect(output.toString().trim()).toBe(`undefined ${expected}`);
  });
});

describe('micro-benchmark: CPU per sha512-crypt digest (printed, not asserted)', () => {
  it('WebAssembly core vs node:crypto per round, rounds=5000', { timeout: 60_000 }, async () => {
    const requests = Array.from({ length: 50 }, () => request('bench pw', 'saltsaltsaltsalt', 5000));
    for (const [label, wasm] of [
      ['node:crypto per round', null],
      ['WebAssembly core', WASM],
    ] as const) {
      const worker = startWorker(wasm);
      await worker.digests(requests.slice(0, 5)); // warm up
      const before = process.cpuUsage();
      const digests = await worker.digests(requests);
      const { user, system } = process.cpuUsage(before);
      await worker.terminate();
      console.log(
        `sha512-crypt rounds=5000, ${label}: ${((user + system) / 1000 / requests.length).toFixed(1)} ms CPU`,
      );
      expect(new Set(digests.map((d) => Buffer.from(d).toString('hex'))).size).toBe(1);
    }
  });
});
