#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { AUTH_MODES, choiceOption, durationOption, FETCH_COMMANDS, intOption, tlsMode } from './cli-options.js';
import type { AuthMode, FetchCommand } from './client/pop3-client.js';
import { type CompareFlags, runCompare } from './compare/run-compare.js';
import { writeCorpus } from './corpus/corpus-writer.js';
import { PROFILE, PROFILES, type ProfileName } from './corpus/profiles.js';
import { DOVECOT_MODES, type DovecotMode, startDovecot } from './dovecot/dovecot-instance.js';
import { summaryText } from './report/summary-text.js';
import { writeReport } from './report/write-report.js';
import { corpusSource, syntheticSource } from './responder/mailbox-source.js';
import { startResponder } from './responder/responder.js';
import { CLIENT_KINDS, type ClientKind, NATIVE_SCENARIOS } from './runner/native-binary.js';
import { runBench } from './runner/run-bench.js';
import { FETCH_SCENARIOS, SCENARIOS, type ScenarioName } from './scenarios/scenario-context.js';

interface ScenarioFlags {
  host: string;
  port: number;
  tls?: boolean;
  starttls?: boolean;
  tlsVerify?: boolean;
  user: string;
  users: number;
  firstUser: number;
  password: string;
  auth: AuthMode;
  concurrency: number;
  workers: number;
  client?: ClientKind;
  warmup: number;
  duration: number;
  once?: boolean;
  fetch?: FetchCommand;
  timeout: number;
  serverPid?: number;
  requireChecksum?: boolean;
  maxErrors: number;
  interval: number;
  out?: string;
  json?: boolean;
  progress?: boolean;
  label?: string;
  repeat?: number;
  sessions?: number;
  hold?: number;
  maildirRoot?: string;
  deliverCmd?: string;
  deliveryConcurrency?: number;
  seed?: string;
}

const DESCRIPTIONS: Record<ScenarioName, string> = {
  'retr-all': 'C sessions each log in, STAT, LIST, UIDL, RETR every message and QUIT, in a loop (or --once)',
  login: 'connect, USER/PASS or AUTH PLAIN, QUIT, as fast as possible',
  idle: 'K sessions log in and stay idle; reports the server memory per session (needs --server-pid)',
  big: 'one session RETRs the largest message of the first user several times',
  'exchange-profile': 'log on, fetch all, delete all, while the same number of new messages is delivered',
};

/** A duration option whose default shows as written (e.g. "5s") in the help. */
function durationOpt(flags: string, description: string, ms: number, shown: string): Option {
  return new Option(flags, description).argParser(durationOption).default(ms, shown);
}

function scenarioCommand(program: Command, scenario: ScenarioName): void {
  const command = program
    .command(scenario)
    .description(DESCRIPTIONS[scenario])
    .option('--host <host>', 'server address', '127.0.0.1')
    .requiredOption('--port <port>', 'server port', intOption(1))
    .option('--tls', 'implicit TLS (like port 995)')
    .option('--starttls', 'upgrade with STLS after the greeting')
    .option('--tls-verify', 'check the server certificate')
    .option('--user <pattern>', 'user names, %d = user number', 'user%d')
    .option('--users <n>', 'number of users', intOption(1), 100)
    .option('--first-user <n>', 'number of the first user', intOption(0), 1)
    .option('--password <pattern>', 'passwords, %d = user number', 'secret')
    .addOption(
      new Option('--auth <mode>', 'USER/PASS or SASL PLAIN').argParser(choiceOption(AUTH_MODES)).default('user'),
    )
    .option('-c, --concurrency <n>', 'concurrent sessions', intOption(1), scenario === 'big' ? 1 : 64)
    .option('--workers <n>', 'worker threads sharing the sessions', intOption(1), 1)
    .addOption(durationOpt('--warmup <duration>', 'warm-up before measuring', 5000, '5s'))
    .addOption(
      durationOpt('--duration <duration>', 'measured time (an upper bound with --once, big and idle)', 30_000, '30s'),
    )
    .addOption(durationOpt('--timeout <duration>', 'fail a command after this long without data', 30_000, '30s'))
    .option('--server-pid <pid>', "sample the server's process tree (CPU, RSS, PSS)", intOption(1))
    .option('--require-checksum', 'a message without an X-Bench-Checksum header is an error')
    .option('--max-errors <n>', 'stop after this many errors', intOption(1), 1000)
    .addOption(durationOpt('--interval <duration>', 'progress and chart interval', 1000, '1s'))
    .option('--out <dir>', 'write result.json, report.md and chart.svg here')
    .option('--json', 'print the JSON result on stdout')
    .option('--progress', 'print progress on stderr even when it is not a terminal')
    .option('--label <text>', 'name of the server in reports');
  if (scenario === 'retr-all') command.option('--once', 'fetch every mailbox exactly once');
  if (FETCH_SCENARIOS.includes(scenario)) {
    command.addOption(
      new Option('--fetch <command>', 'fetch each message with RETR <msn> or TOP <msn> 99999999')
        .argParser(choiceOption(FETCH_COMMANDS))
        .default('retr'),
    );
  }
  if (scenario === 'big') command.option('--repeat <n>', 'RETRs of the message', intOption(1), 5);
  if (NATIVE_SCENARIOS.includes(scenario)) {
    command.addOption(
      new Option('--client <kind>', 'load client: node, or native (plain TCP; --workers = its processes)')
        .argParser(choiceOption(CLIENT_KINDS))
        .default('node'),
    );
  }
  if (scenario === 'idle') {
    command
      .option('--sessions <n>', 'sessions to open and hold', intOption(1), 1000)
      .addOption(durationOpt('--hold <duration>', 'how long to keep them idle', 10_000, '10s'));
  }
  if (scenario === 'exchange-profile') {
    command
      .option('--maildir-root <dir>', 'deliver into DIR/<user>/Maildir/new (tmp/ then rename)')
      .option('--deliver-cmd <template>', 'or deliver by running this, %u = user, the message on stdin')
      .option('--delivery-concurrency <n>', 'deliveries at once', intOption(1), 4)
      .option('--seed <seed>', 'seed of the delivered messages', 'poplar');
  }
  command.action(async (flags: ScenarioFlags) => {
    if (scenario === 'exchange-profile' && flags.maildirRoot === undefined && flags.deliverCmd === undefined) {
      throw new Error('exchange-profile needs --maildir-root DIR or --deliver-cmd TEMPLATE to deliver new mail');
    }
    const result = await runBench({
      scenario,
      address: {
        host: flags.host,
        port: flags.port,
        tls: tlsMode(flags),
        tlsVerify: flags.tlsVerify ?? false,
        timeoutMs: flags.timeout,
      },
      auth: flags.auth,
      label: flags.label,
      userPattern: flags.user,
      passwordPattern: flags.password,
      users: flags.users,
      firstUser: flags.firstUser,
      concurrency: flags.concurrency,
      workers: flags.workers,
      client: flags.client,
      warmupMs: flags.warmup,
      durationMs: flags.duration,
      once: flags.once ?? false,
      fetch: flags.fetch,
      requireChecksum: flags.requireChecksum ?? false,
      maxErrors: flags.maxErrors,
      intervalMs: flags.interval,
      serverPid: flags.serverPid,
      progress: flags.progress ?? process.stderr.isTTY === true,
      bigRepeat: flags.repeat ?? 5,
      idle: { sessions: flags.sessions ?? 1000, holdMs: flags.hold ?? 10_000 },
      delivery: {
        maildirRoot: flags.maildirRoot,
        deliverCmd: flags.deliverCmd,
        seed: flags.seed ?? 'poplar',
        concurrency: flags.deliveryConcurrency ?? 4,
      },
    });
    if (flags.out !== undefined) await writeReport(flags.out, result);
    process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : summaryText(result));
    process.exitCode = result.ok ? 0 : 1;
  });
}

const program = new Command('poplar-bench')
  .description('Validating POP3 load generator: every byte received is checked before it counts')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

for (const scenario of SCENARIOS) scenarioCommand(program, scenario);

program
  .command('corpus')
  .description('write a deterministic Maildir corpus, a Dovecot passwd-file and a users list')
  .requiredOption('--out <dir>', 'corpus folder (DIR/<user>/Maildir)')
  .option('--users <n>', 'number of users', intOption(1), 100)
  .option('--messages <n>', 'messages per user (default: by profile)', intOption(0))
  .addOption(new Option('--profile <name>', 'size mix').argParser(choiceOption(PROFILES)).default('mixed'))
  .option('--seed <seed>', 'seed: the same seed writes the same bytes', 'poplar')
  .option('--user <pattern>', 'user names, %d = user number', 'user%d')
  .option('--password <pattern>', 'passwords, %d = user number', 'secret')
  .option('--first-user <n>', 'number of the first user', intOption(0), 1)
  .option(
    '--unhinted-unterminated',
    'leave the size hint off some messages without a final LF (Dovecot 2.3 miscounts them)',
  )
  .action(
    async (flags: {
      out: string;
      users: number;
      messages?: number;
      profile: ProfileName;
      seed: string;
      user: string;
      password: string;
      firstUser: number;
      unhintedUnterminated?: boolean;
    }) => {
      const started = Date.now();
      const set = await writeCorpus(
        {
          out: flags.out,
          users: flags.users,
          ...(flags.messages === undefined ? {} : { messages: flags.messages }),
          profile: flags.profile,
          seed: flags.seed,
          userPattern: flags.user,
          passwordPattern: flags.password,
          firstUser: flags.firstUser,
          unhintedUnterminated: flags.unhintedUnterminated ?? false,
        },
        process.stderr.isTTY ? (done, total) => process.stderr.write(`\r${done}/${total} messages`) : undefined,
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stdout.write(
        `${set.users.length} users x ${set.messagesPerUser} ${PROFILE[set.profile].name} messages: ` +
          `${(set.storedBytes / 1e6).toFixed(1)} MB stored, ${(set.exactBytes / 1e6).toFixed(1)} MB as sent, ` +
          `in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${flags.out}\n`,
      );
    },
  );

program
  .command('responder')
  .description('an in-memory POP3 server with pre-encoded replies, to measure the client itself')
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--port <port>', 'listen port (0 = any free one)', intOption(0), 0)
  .option('--corpus <dir>', 'serve this corpus (passwords from its passwd-file)')
  .addOption(
    new Option('--profile <name>', 'without --corpus: generate one maildrop that every user sees')
      .argParser(choiceOption(PROFILES))
      .default('mixed'),
  )
  .option('--messages <n>', 'without --corpus: messages in it (default: by profile)', intOption(1))
  .option('--seed <seed>', 'without --corpus: seed', 'poplar')
  .option('--tls-cert <file>', 'certificate (PEM) for STLS or implicit TLS')
  .option('--tls-key <file>', 'private key (PEM)')
  .option('--implicit-tls', 'TLS from the first byte instead of STLS')
  .action(
    async (flags: {
      host: string;
      port: number;
      corpus?: string;
      profile: ProfileName;
      messages?: number;
      seed: string;
      tlsCert?: string;
      tlsKey?: string;
      implicitTls?: boolean;
    }) => {
      const source =
        flags.corpus !== undefined
          ? await corpusSource(flags.corpus)
          : syntheticSource(flags.profile, flags.messages ?? PROFILE[flags.profile].defaultMessages, flags.seed);
      const tls =
        flags.tlsCert !== undefined && flags.tlsKey !== undefined
          ? {
              cert: await readFile(flags.tlsCert),
              key: await readFile(flags.tlsKey),
              implicit: flags.implicitTls ?? false,
            }
          : undefined;
      const responder = await startResponder({ source, host: flags.host, port: flags.port, ...(tls ? { tls } : {}) });
      process.stdout.write(`${JSON.stringify({ host: responder.host, port: responder.port, pid: process.pid })}\n`);
      await stopOnSignal(() => responder.close());
    },
  );

program
  .command('dovecot')
  .description('start a private Dovecot on 127.0.0.1 serving a corpus; stops on SIGINT or SIGTERM')
  .requiredOption('--corpus <dir>', 'corpus folder written by `corpus`')
  .addOption(
    new Option('--mode <mode>', 'stock or tuned process model').argParser(choiceOption(DOVECOT_MODES)).default('stock'),
  )
  .option('--port <port>', 'port (default: a free one)', intOption(1))
  .option('--client-limit <n>', 'tuned: clients per pop3 process', intOption(1), 8)
  .action(async (flags: { corpus: string; mode: DovecotMode; port?: number; clientLimit: number }) => {
    const dovecot = await startDovecot({
      corpus: flags.corpus,
      mode: flags.mode,
      clientLimit: flags.clientLimit,
      ...(flags.port ? { port: flags.port } : {}),
    });
    process.stdout.write(
      `${JSON.stringify({ host: '127.0.0.1', port: dovecot.port, pid: dovecot.pid, dir: dovecot.dir })}\n`,
    );
    await stopOnSignal(() => dovecot.stop());
  });

program
  .command('compare')
  .description('run the same scenarios against Dovecot (stock and tuned) and Poplar, several runs, and print ratios')
  .requiredOption('--corpus <dir>', 'corpus folder (written first if it has no corpus.json)')
  .option('--runs <n>', 'runs of every scenario against every server', intOption(1), 3)
  .addOption(durationOpt('--duration <duration>', 'measured time per run', 10_000, '10s'))
  .addOption(durationOpt('--warmup <duration>', 'warm-up per run', 2000, '2s'))
  .option('-c, --concurrency <n>', 'sessions for retr-all and login', intOption(1), 64)
  .option('--workers <n>', 'client worker threads (native client: processes)', intOption(1), 1)
  .addOption(
    new Option('--client <kind>', 'load client for retr-all, top-all and big (default: native when built)').argParser(
      choiceOption(CLIENT_KINDS),
    ),
  )
  .option('--idle-sessions <n>', 'sessions for idle', intOption(1), 500)
  .option('--users <n>', 'users when the corpus is written here', intOption(1), 100)
  .option('--messages <n>', 'messages per user when the corpus is written here', intOption(1), 200)
  .option(
    '--scenarios <list>',
    'comma-separated scenarios; top-all is retr-all with --fetch top',
    'retr-all,login,idle,big',
  )
  .option(
    '--poplar-cmd <command>',
    'command that starts Poplar (run with exec); %p = a free port, %d = the corpus folder. Repeat it to compare ' +
      'several configurations: they are named poplar, poplar-2...',
    (command: string, previous: string[] | undefined) => [...(previous ?? []), command],
  )
  .option('--out <dir>', 'folder for every run result and the comparison', '.bench/compare')
  .action(async (flags: CompareFlags) => {
    process.exitCode = (await runCompare(flags)) ? 0 : 1;
  });

/** Keeps a server command running until SIGINT or SIGTERM, then stops it. */
function stopOnSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const handler = (): void => {
      void stop().then(resolve);
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}

await program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`poplar-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
