export {
  type AuthMode,
  type ClientObserver,
  type FetchCommand,
  type FetchedReply,
  Pop3Client,
  type ServerAddress,
  type TlsMode,
  TOP_ALL_LINES,
} from './client/pop3-client.js';
export { COMPARE_SCENARIOS, type CompareScenario, parseCompareScenarios } from './compare/compare-scenarios.js';
export { compareTables, METRICS, type Metric, type RunRecord, spread } from './compare/compare-table.js';
export { type CompareFlags, runCompare } from './compare/run-compare.js';
export { type CorpusOptions, type CorpusSet, maildirOf, writeCorpus } from './corpus/corpus-writer.js';
export { CRC32C_HEADER, crc32c } from './corpus/crc32c.js';
export { generateMessage, type MessageSpec } from './corpus/message-generator.js';
export { PROFILE, PROFILES, type ProfileName } from './corpus/profiles.js';
export { exactSize, toWireForm } from './corpus/wire-form.js';
export { CommandDeliverer } from './delivery/command-deliverer.js';
export type { Deliverer } from './delivery/deliverer.js';
export { MaildirDeliverer } from './delivery/maildir-deliverer.js';
export { DOVECOT_MODES, type DovecotMode, dovecotConfig } from './dovecot/dovecot-config.js';
export { type DovecotInstance, ensureDovecotInstalled, startDovecot } from './dovecot/dovecot-instance.js';
export { sampleTree, type TreeSample } from './proc/process-tree.js';
export { BenchError, type ErrorKind } from './protocol/bench-error.js';
export { CHECKSUM_HEADER, ChecksumChecker } from './protocol/checksum-checker.js';
export { DotDecoder, type SegmentSink } from './protocol/dot-decoder.js';
export { checkMailbox } from './protocol/mailbox-check.js';
export { RetrReader, type RetrReply } from './protocol/retr-reader.js';
export type { BenchResult } from './report/bench-result.js';
export { renderMarkdown, resultChart } from './report/markdown-report.js';
export { renderChart } from './report/svg-chart.js';
export { writeReport } from './report/write-report.js';
export { type EncodedMailbox, encodeMailbox, topReply } from './responder/encoded-mailbox.js';
export { corpusSource, type MailboxSource, syntheticSource } from './responder/mailbox-source.js';
export { type Responder, type ResponderOptions, startResponder } from './responder/responder.js';
export {
  CLIENT_KINDS,
  type ClientKind,
  NATIVE_BINARY,
  NATIVE_SCENARIOS,
  nativeClientProblem,
} from './runner/native-binary.js';
export { type BenchOptions, runBench } from './runner/run-bench.js';
export { FETCH_SCENARIOS, SCENARIOS, type ScenarioName } from './scenarios/scenario-context.js';
