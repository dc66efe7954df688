#!/usr/bin/env node
// Throughput of the streaming RETR/TOP path: the built session engine and Maildir store over real TCP on loopback,
// a client in another process that checks every answer. Not a test: run it by hand after building wire, session,
// size and maildir (`npx tsc -p tsconfig.json` in each).
//
//   node packages/session/bench/retr-path.mjs [--rounds 3] [--messages 200] [--connections 4] [--passes 20]
//                                             [--pipeline 2] [--only crlf,top-crlf]
//
// Scenarios: lf-nocache (LF files, CRLF form cache off), lf-cache (LF files, cache warmed by one pass first),
// crlf (files already in CRLF form), and TOP n 99999999 on both forms. MB/s is 10^6 octets received per second of
// the timed part; "MB per server CPU-s" divides them by the CPU time the server process used meanwhile (all its
// threads), which says more than wall-clock time on a busy machine. RETR_BENCH_MARKS=1 also prints timestamps and
// per-thread CPU ticks at the start and end of each timed part.

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = parseArgs(process.argv.slice(2));

function parseArgs(argv) {
  const out = { rounds: 3, messages: 200, connections: 4, passes: 20, pipeline: 2, only: '', client: '' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in out)) throw new Error(`unknown option ${argv[i]}`);
    out[key] = typeof out[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- corpus

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the of and to in is was for on that with as by at from his her it an were are which this be or has'
  .split(' ')
  .concat('mail server message client octets line body header attachment report meeting. budget. Thanks.'.split(' '));

/** One LF message of about `target` bytes: headers, text lines (some starting with '.'), base64 for big ones. */
function makeMessage(rand, target, n) {
  const lines = [
    `Return-Path: <sender${n}@example.org>`,
    `Received: from mx.example.org (mx.example.org [192.0.2.${n % 250}])\n\tby pop.example.net; Mon, 1 Jan 2024 00:00:00 +0000`,
    `From: Sender ${n} <sender${n}@example.org>`,
    'To: user@example.net',
    `Subject: bench message ${n}`,
    `Message-ID: <${n}.bench@example.org>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
  ];
  let size = lines.reduce((s, l) => s + l.length + 1, 0);
  const textTarget = target > 100_000 ? Math.min(20_000, target / 4) : target;
  while (size < textTarget) {
    let line = rand() < 0.009 ? '.' : '';
    while (line.length < 40 + rand() * 35) line += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
    lines.push(line.trimEnd());
    size += line.length;
  }
  if (target > 100_000) {
    lines.push('', '--b1', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '');
    const raw = Buffer.alloc(Math.floor(((target - size) * 3) / 4));
    for (let i = 0; i < raw.length; i++) raw[i] = (rand() * 256) | 0;
    const b64 = raw.toString('base64');
    for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  }
  lines.push('--b1--', '');
  return Buffer.from(lines.join('\n'), 'latin1');
}

function messageSize(rand) {
  const r = rand();
  if (r < 0.65) return 2_000 + rand() * 18_000;
  if (r < 0.9) return 20_000 + rand() * 80_000;
  return 100_000 + rand() * 900_000;
}

/** Users "lf" (as Linux MDAs store mail) and "crlf" (the same messages in CRLF form), Dovecot-style names. */
function makeCorpus(root, count) {
  const rand = random(42);
  let octets = 0;
  for (const user of ['lf', 'crlf']) {
    for (const folder of ['tmp', 'new', 'cur']) mkdirSync(join(root, user, 'Maildir', folder), { recursive: true });
  }
  for (let n = 0; n < count; n++) {
    const lf = makeMessage(rand, messageSize(rand), n);
    const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    octets += crlf.length;
    for (const [user, bytes] of [
      ['lf', lf],
      ['crlf', crlf],
    ]) {
      const name = `${1_700_000_000 + n}.M${n}P1Q1.bench,S=${bytes.length},W=${crlf.length}:2,S`;
      writeFileSync(join(root, user, 'Maildir', 'cur', name), bytes);
    }
  }
  return octets;
}

// ---------------------------------------------------------------------------------------------------- server side

const SCENARIOS = [
  { name: 'lf-nocache', user: 'lf', command: 'RETR', crlfCache: false },
  { name: 'lf-cache', user: 'lf', command: 'RETR', crlfCache: true },
  { name: 'crlf', user: 'crlf', command: 'RETR', crlfCache: true },
  { name: 'top-lf-cache', user: 'lf', command: 'TOP', crlfCache: true },
  { name: 'top-crlf', user: 'crlf', command: 'TOP', crlfCache: true },
];

async function runBench() {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const { createSessionEngine } = await import(join(here, '../dist/index.js'));
  const { createMaildirStore } = await import(join(here, '../../maildir/dist/index.js'));
  const root = mkdtempSync(join(tmpdir(), 'poplar-retr-bench-'));
  try {
    const octets = makeCorpus(root, args.messages);
    console.log(
      `corpus: ${args.messages} messages, ${(octets / 1e6).toFixed(1)} MB in CRLF form; ${args.connections} ` +
        `connections x ${args.passes} passes, pipeline ${args.pipeline}; ${args.rounds} rounds`,
    );
    const wanted = args.only ? args.only.split(',') : SCENARIOS.map((s) => s.name);
    const results = new Map();
    for (let round = 1; round <= args.rounds; round++) {
      for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
        // A fresh cache per run: the client's checking pass builds it before the timed part.
        rmSync(join(root, scenario.user, 'Maildir', 'poplar-crlf'), { recursive: true, force: true });
        const store = createMaildirStore({ mailRoot: root, crlfCache: scenario.crlfCache });
        const engine = createSessionEngine({
          store,
          passwords: { verify: async (user) => ({ ok: true, identity: { user, mechanism: 'USER' } }) },
          settings: { loginType: 'PlainTextLogin' },
        });
        const running = new Set();
        const server = createServer({ noDelay: true }, (socket) => {
          const session = engine.run(socket, { id: 'bench', remoteAddress: socket.remoteAddress ?? '', secure: false });
          running.add(session);
          session.finally(() => running.delete(session));
        });
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address();
        const expected = join(root, 'crlf', 'Maildir', 'cur');
        const result = await client({ ...scenario, port, expected, ...args, client: undefined }, running);
        server.close();
        const list = results.get(scenario.name) ?? [];
        const perCpu = result.octets / result.serverCpu / 1e6;
        list.push({ mbps: result.mbps, perCpu });
        results.set(scenario.name, list);
        console.log(
          `round ${round} ${scenario.name.padEnd(13)} ${result.mbps.toFixed(0).padStart(6)} MB/s ` +
            `${perCpu.toFixed(0).padStart(6)} MB per server CPU-s; ${result.messages} messages ` +
            `${(result.octets / 1e6).toFixed(0)} MB in ${result.seconds.toFixed(2)} s, server CPU ` +
            `${result.serverCpu.toFixed(2)} s, client CPU ${result.clientCpu.toFixed(2)} s`,
        );
      }
    }
    console.log('\nmedians (MB/s wall clock; MB per CPU-second of the server process):');
    for (const [name, list] of results) {
      const wall = list.map((r) => r.mbps);
      const cpu = list.map((r) => r.perCpu);
      console.log(
        `${name.padEnd(13)} ${median(wall).toFixed(0).padStart(6)} MB/s (${wall.map((x) => x.toFixed(0)).join(', ')})` +
          `   ${median(cpu).toFixed(0).padStart(6)} MB/CPU-s (${cpu.map((x) => x.toFixed(0)).join(', ')})`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** With RETR_BENCH_MARKS set, prints the monotonic time (µs) of each timed phase, to cut a CPU profile. */
function mark(what) {
  if (!process.env.RETR_BENCH_MARKS) return;
  // CPU ticks per thread from /proc, in creation order: the main thread, V8's helpers, then libuv's pool.
  const threads = readdirSync('/proc/self/task').map((tid) => {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1').split(') ')[1].split(' ');
    return `${tid}:${Number(fields[11]) + Number(fields[12])}`;
  });
  console.log(`mark ${what} ${process.hrtime.bigint() / 1000n} ${threads.join(' ')}`);
}

/**
 * Runs the client in its own process so that it has its own core. After its checking pass it waits until the
 * sessions so far have ended (a session's end waits for the cache files it was still finishing).
 */
function client(options, running) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--client', JSON.stringify(options)], { stdio: 'inherit' });
    let cpu;
    child.on('message', (message) => {
      if (message === 'checked') {
        Promise.all(running).then(() => child.send('go'));
        return;
      }
      if (message === 'start') {
        cpu = process.cpuUsage();
        mark('start');
        return;
      }
      mark('end');
      const used = process.cpuUsage(cpu);
      resolve({ ...message, serverCpu: (used.user + used.system) / 1e6 });
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`client exited with ${code}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------------- client side

async function runClient(options) {
  const checkConnection = await openConnection(options);
  const sizes = await checkConnection.list();
  // Untimed: one pass that compares every message with its CRLF form byte for byte (and warms the cache).
  const expectedFiles = new Map();
  for (const name of (await import('node:fs')).readdirSync(options.expected)) {
    expectedFiles.set(Number(name.split('.')[0]) - 1_700_000_000, name);
  }
  for (let msn = 1; msn <= sizes.length; msn++) {
    const body = await checkConnection.fetch(msn, true);
    const want = readFileSync(join(options.expected, expectedFiles.get(msn - 1)));
    if (!body.equals(want)) fail(`message ${msn} differs from its CRLF form`);
  }
  await checkConnection.quit();
  await new Promise((resolve) => {
    process.once('message', resolve);
    process.send('checked');
  });

  const connections = await Promise.all(Array.from({ length: options.connections }, () => openConnection(options)));
  await new Promise((resolve) => process.send('start', resolve));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const counts = await Promise.all(connections.map((c) => c.fetchAll(sizes, options.passes, options.pipeline)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await Promise.all(connections.map((c) => c.quit()));
  const octets = counts.reduce((s, c) => s + c.octets, 0);
  const messages = counts.reduce((s, c) => s + c.messages, 0);
  const clientCpu = (used.user + used.system) / 1e6;
  process.send({ octets, messages, seconds, clientCpu, mbps: octets / seconds / 1e6 }, () => process.exit(0));
}

function fail(message) {
  console.error(`client: ${message}`);
  process.exit(1);
}

/**
 * One POP3 connection with a parser for dot-stuffed answers that uses native searches only: it finds "\n." with
 * indexOf, un-stuffs, recognises the terminator and counts body octets, across chunk boundaries.
 */
async function openConnection(options) {
  const socket = connect({ port: options.port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', (err) => fail(err.message));
  const request = options.command === 'TOP' ? (msn) => `TOP ${msn} 99999999\r\n` : (msn) => `RETR ${msn}\r\n`;

  // Answers are parsed as they arrive; each waiting request gets the body size (and the body when kept).
  const waiting = [];
  let status = Buffer.alloc(0); // pending status line bytes, or null while in a body
  let body = 0;
  let kept = null;
  let atLineStart = true;
  let dot = 0; // 1: a line-start '.' seen, 2: '.\r' seen
  let received = 0;
  const NL_DOT = Buffer.from('\n.');

  socket.on('data', (chunk) => {
    received += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      if (status !== null) {
        const end = chunk.indexOf(10, pos);
        status = Buffer.concat([status, chunk.subarray(pos, end < 0 ? chunk.length : end + 1)]);
        if (end < 0) return;
        pos = end + 1;
        const line = status.toString('latin1');
        status = null;
        const head = waiting[0];
        if (!line.startsWith('+OK')) fail(`unexpected answer ${JSON.stringify(line)}`);
        if (!head.multiline) {
          waiting.shift().resolve(line);
          status = Buffer.alloc(0);
          continue;
        }
        body = 0;
        kept = head.keep ? [] : null;
        atLineStart = true;
        dot = 0;
        continue;
      }
      // In a body: pos is inside it.
      let from = pos;
      let end = -1; // index just past the terminator
      let i = pos;
      for (;;) {
        if (dot === 0) {
          let at;
          if (atLineStart && i === pos) at = i;
          else {
            const found = chunk.indexOf(NL_DOT, i);
            if (found < 0) {
              atLineStart = chunk[chunk.length - 1] === 10;
              break;
            }
            at = found + 1;
          }
          atLineStart = false;
          if (chunk[at] !== 0x2e) {
            i = at;
            if (i >= chunk.length) break;
            continue;
          }
          // A line-start dot at `at`: keep the bytes before it, drop it.
          body += at - from;
          kept?.push(chunk.subarray(from, at));
          from = at + 1;
          dot = 1;
          i = at + 1;
        }
        if (i >= chunk.length) break;
        if (dot === 1) {
          if (chunk[i] === 0x2e) {
            dot = 0;
            i++;
            continue;
          }
          if (chunk[i] !== 13) fail('a line starts with a single dot');
          dot = 2;
          i++;
          if (i >= chunk.length) break;
        }
        if (chunk[i] !== 10) fail('a line starts with a single dot');
        dot = 0;
        end = i + 1;
        break;
      }
      if (end < 0) {
        // A pending dot (and the CR after it) is decided by the next chunk; the bytes after it are not body yet.
        if (dot === 0) {
          body += chunk.length - from;
          kept?.push(chunk.subarray(from));
        }
        return;
      }
      // Terminator: the "." line was not part of the body; nor the "\r\n" after it.
      const head = waiting.shift();
      if (head.size !== undefined && body !== head.size)
        fail(`message ${head.msn}: ${body} octets, LIST said ${head.size}`);
      head.resolve(kept ? Buffer.concat(kept) : body);
      pos = end;
      status = Buffer.alloc(0);
    }
  });

  const send = (text, multiline, extra = {}) =>
    new Promise((resolve) => {
      waiting.push({ multiline, resolve, ...extra });
      socket.write(text);
    });

  await new Promise((resolve) => waiting.push({ multiline: false, resolve }));
  await send(`USER ${options.user}\r\n`, false);
  await send('PASS x\r\n', false);

  return {
    async list() {
      const listing = await send('LIST\r\n', true, { keep: true });
      return listing
        .toString('latin1')
        .split('\r\n')
        .filter(Boolean)
        .map((line) => Number(line.split(' ')[1]));
    },
    fetch(msn, keep, size) {
      return send(request(msn), true, { keep, msn, size });
    },
    async fetchAll(sizes, passes, depth) {
      const start = received;
      const queue = [];
      for (let p = 0; p < passes; p++) for (let msn = 1; msn <= sizes.length; msn++) queue.push(msn);
      let next = 0;
      const lane = async () => {
        while (next < queue.length) {
          const msn = queue[next++];
          await this.fetch(msn, false, sizes[msn - 1]);
        }
      };
      // Up to `depth` commands in flight (pipelining, RFC 2449).
      await Promise.all(Array.from({ length: depth }, lane));
      return { octets: received - start, messages: queue.length };
    },
    async quit() {
      await send('QUIT\r\n', false);
      socket.end();
    },
  };
}

if (args.client) await runClient(JSON.parse(args.client));
else await runBench();
