/**
 * Test helpers for the session engine and for what plugs into it: an in-memory store, a password verifier, a
 * scripted SASL mechanism, an in-memory connection with real backpressure, a client that plays transcripts, and
 * fake timers. Hosts and plugin authors can test their own stores and mechanisms against the same behaviour.
 */
export { createDuplexPair, type DuplexPairOptions } from './duplex-pair.js';
export {
  createFakeMechanism,
  type FakeExchangeRecord,
  type FakeMechanism,
  type FakeMechanismOptions,
} from './fake-mechanism.js';
export { createFakeTimers, type FakeTimers } from './fake-timers.js';
export {
  createMemoryFileSender,
  type MemoryFileSender,
  type MemoryFileSenderOptions,
  type MemoryFileSenderStats,
} from './memory-file-sender.js';
export {
  createMemoryStore,
  type MemoryMessage,
  type MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreStats,
} from './memory-store.js';
export { createMemoryVerifier, type MemoryVerifier } from './memory-verifier.js';
export { openTestSession, type TestSession, type TestSessionOptions } from './test-session.js';
