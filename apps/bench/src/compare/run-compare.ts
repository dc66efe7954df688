import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CorpusSet, MANIFEST, writeCorpus } from '../corpus/corpus-writer.js';
import { ensureDovecotInstalled, startDovecot } from '../dovecot/dovecot-instance.js';
import { writeReport } from '../report/write-report.js';
import { type ClientKind, NATIVE_SCENARIOS, nativeClientProblem } from '../runner/native-binary.js';
import { type BenchOptions, runBench } from '../runner/run-bench.js';
import { type CompareScenario, parseCompareScenarios } from './compare-scenarios.js';
import { compareTables, type RunRecord } from './compare-table.js';
import { type ServerInstance, startFromCommand } from './poplar-instance.js';
import { warmPageCache } from './warm-page-cache.js';

export interface CompareFlags {
  corpus: string;
  users: number;
  messages: number;
  runs: number;
  duration: number;
  warmup: number;
  concurrency: number;
  workers: number;
  /** The load client of the fetching scenarios; login and idle always use the Node client. */
  client?: ClientKind | undefined;
  idleSessions: number;
  scenarios: string;
  /** Commands that start Poplar, each compared as its own server: poplar, poplar-2, poplar-3... */
  poplarCmd?: string[];
  out: string;
}

interface Target {
  name: string;
  start(): Promise<ServerInstance>;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The corpus to compare on: read its manifest, or write mixed mail for the users plus one user with a big message. */
async function corpusSets(flags: CompareFlags): Promise<CorpusSet[]> {
  try {
    return (JSON.parse(await readFile(join(flags.corpus, MANIFEST), 'utf8')) as { sets: CorpusSet[] }).sets;
  } catch {
    log(
      `writing a corpus in ${flags.corpus}: ${flags.users} users x ${flags.messages} mixed messages, and big1 with one 50 MiB message`,
    );
    const common = { out: flags.corpus, seed: 'poplar', passwordPattern: 'secret' };
    const mixed = await writeCorpus({
      ...common,
      users: flags.users,
      messages: flags.messages,
      profile: 'mixed',
      userPattern: 'user%d',
    });
    const big = await writeCorpus({ ...common, users: 1, messages: 1, profile: 'big', userPattern: 'big%d' });
    return [mixed, big];
  }
}

/**
 * The client the fetching scenarios use: as asked, or the native one when it is built, since it takes far less of
 * the CPU that client and server share on one machine.
 */
function fetchClient(flags: CompareFlags): ClientKind {
  if (flags.client !== undefined) return flags.client;
  const problem = nativeClientProblem({ scenario: 'retr-all', address: { tls: 'none' } });
  if (problem === undefined) return 'native';
  log(`using the Node client: ${problem}`);
  return 'node';
}

function scenarioOptions(
  { scenario, fetch }: CompareScenario,
  flags: CompareFlags & { client: ClientKind },
  sets: CorpusSet[],
  port: number,
  pid: number,
): BenchOptions | string {
  const mail = sets.find((set) => set.profile !== 'big');
  const big = sets.find((set) => set.profile === 'big');
  const set = scenario === 'big' ? big : mail;
  if (set === undefined) return `the corpus has no ${scenario === 'big' ? 'big' : 'mixed'} users`;
  return {
    scenario,
    address: { host: '127.0.0.1', port, tls: 'none', timeoutMs: 60_000 },
    auth: 'user',
    userPattern: set.userPattern,
    passwordPattern: set.passwordPattern,
    users: set.users.length,
    firstUser: 1,
    concurrency: scenario === 'big' ? 1 : scenario === 'idle' ? 16 : flags.concurrency,
    workers: flags.workers,
    client: NATIVE_SCENARIOS.includes(scenario) ? flags.client : 'node',
    warmupMs: flags.warmup,
    durationMs: scenario === 'idle' || scenario === 'big' ? 120_000 : flags.duration,
    once: false,
    fetch,
    requireChecksum: true,
    maxErrors: 1000,
    intervalMs: 1000,
    serverPid: pid,
    progress: false,
    // 20 RETRs of 50 MiB: a run of a few seconds, long enough not to be a measure of start-up.
    bigRepeat: 20,
    idle: { sessions: flags.idleSessions, holdMs: 5000 },
    delivery: { maildirRoot: flags.corpus, seed: 'compare', concurrency: 4 },
  };
}

/**
 * The servers in the order of a run: each run starts one further along, so that no server always follows the same
 * one (whatever a server leaves behind as it stops, such as index writes, would otherwise burden the same next one).
 */
export function rotated<T>(items: readonly T[], by: number): T[] {
  const start = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** The Poplar servers to compare, named in the order their commands were given. */
export function poplarTargets(commands: readonly string[]): { name: string; command: string }[] {
  return commands.map((command, i) => ({ name: i === 0 ? 'poplar' : `poplar-${i + 1}`, command }));
}

/**
 * Runs the same scenarios against stock Dovecot, tuned Dovecot and Poplar (when a command to start it is given),
 * several times, interleaved so that drift on a shared machine hits every server alike, and prints medians,
 * min–max and ratios. Every server is started here and stopped by its pid. Returns false when a run failed.
 */
export async function runCompare(flags: CompareFlags): Promise<boolean> {
  const scenarios = parseCompareScenarios(flags.scenarios);
  ensureDovecotInstalled(log);
  const sets = await corpusSets(flags);
  const client = fetchClient(flags);
  log(`load client for ${NATIVE_SCENARIOS.join(', ')}: ${client}`);
  const targets: Target[] = [
    { name: 'dovecot-stock', start: () => startDovecot({ corpus: flags.corpus, mode: 'stock' }) },
    { name: 'dovecot-tuned', start: () => startDovecot({ corpus: flags.corpus, mode: 'tuned', clientLimit: 8 }) },
  ];
  const poplars = poplarTargets(flags.poplarCmd ?? []);
  if (poplars.length === 0) {
    log('Poplar skipped: no --poplar-cmd given. Once apps/daemon is built, pass e.g.');
    log("  --poplar-cmd 'node apps/daemon/dist/cli.js serve --config FILE' (%p = port, %d = corpus folder)");
  }
  for (const { name, command } of poplars) {
    log(`${name}: ${command}`);
    targets.push({ name, start: () => startFromCommand(command, flags.corpus) });
  }
  const records: RunRecord[] = [];
  let current: ServerInstance | undefined;
  const interrupt = (): void => {
    void (current?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    for (let run = 1; run <= flags.runs; run++) {
      for (const target of rotated(targets, run - 1)) {
        current = await target.start();
        log(`run ${run}/${flags.runs}: ${target.name} on port ${current.port} (pid ${current.pid})`);
        try {
          for (const scenario of scenarios) {
            const { name } = scenario;
            const options = scenarioOptions(scenario, { ...flags, client }, sets, current.port, current.pid);
            if (typeof options === 'string') {
              log(`  ${name}: skipped, ${options}`);
              continue;
            }
            if (scenario.name !== 'idle' && scenario.name !== 'login') {
              const started = Date.now();
              const warmed = await warmPageCache(flags.corpus);
              log(
                `  page cache: read ${warmed.files} files, ${(warmed.bytes / 1e6).toFixed(0)} MB in ${Date.now() - started} ms`,
              );
            }
            const result = await runBench({ ...options, label: `${target.name} run ${run}` });
            await writeReport(join(flags.out, target.name, `${name}-${run}`), result);
            records.push({ target: target.name, scenario: name, run, result });
            log(
              `  ${name}: ${result.ok ? 'ok' : 'FAILED'}, ${result.rates.payloadMBps.toFixed(1)} MB/s, ${result.rates.sessionsPerSec.toFixed(1)} sessions/s`,
            );
          }
        } finally {
          await current.stop();
          current = undefined;
        }
      }
    }
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  const names = targets.map((target) => target.name);
  const pairs: [string, string][] =
    poplars.length > 0
      ? poplars.flatMap(({ name }): [string, string][] => [
          [name, 'dovecot-stock'],
          [name, 'dovecot-tuned'],
        ])
      : [['dovecot-tuned', 'dovecot-stock']];
  const legend = poplars.map(({ name, command }) => `- ${name}: \`${command}\`\n`).join('');
  const table = `${legend}${legend === '' ? '' : '\n'}${compareTables(records, names, pairs)}`;
  await mkdir(flags.out, { recursive: true });
  await writeFile(join(flags.out, 'compare.md'), table);
  await writeFile(
    join(flags.out, 'compare.json'),
    `${JSON.stringify(
      records.map(({ result, ...rest }) => ({
        ...rest,
        ok: result.ok,
        rates: result.rates,
        latencyMs: result.latencyMs,
        server: result.server,
        detail: result.detail,
      })),
      null,
      2,
    )}\n`,
  );
  process.stdout.write(table);
  return records.every((record) => record.result.ok);
}
