import type { Duplex } from 'node:stream';
import { Channel, Interrupt } from './channel.js';
import type { ConnectionInfo, Identity, Maildrop } from './contracts.js';
import { dispatch } from './dispatch.js';
import type { EngineContext } from './engine-context.js';
import { ERRORS, type ErrorCode, type ErrorSpec } from './errors.js';
import type { RunOptions, SessionEvent, SessionSummary } from './options.js';

/**
 * RFC 1939 states. AUTHORIZATION_USER is AUTHORIZATION after a USER command: the only state where PASS is valid
 * and one where AUTH is not (as Exchange answers).
 */
export type SessionState = 'AUTHORIZATION' | 'AUTHORIZATION_USER' | 'TRANSACTION' | 'UPDATE';

export type EndReason = 'quit' | 'timeout' | 'closed' | 'shutdown' | 'limit' | 'error';

/** One POP3 session over one stream, from the greeting to the close. */
export class Session {
  readonly engine: EngineContext;
  readonly channel: Channel;
  /** A copy: `secure` turns true after STLS. */
  connection: ConnectionInfo;
  state: SessionState = 'AUTHORIZATION';
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | undefined;
  identity: Identity | undefined;
  maildrop: Maildrop | undefined;
  /** Set by a handler to end the session once its answer is written. */
  end: EndReason | undefined;
  /** The error code of the current command's -ERR, for its event. */
  lastError: ErrorCode | undefined;

  commands = 0;
  retrieved = 0;
  committed = 0;
  preAuthCommands = 0;
  failedLogins = 0;
  #badCommands = 0;
  #protocolErrors = 0;
  /** DELE marks, by index; message numbers never change. Made by the first DELE: most sessions delete nothing. */
  #deleted: Uint8Array | undefined;
  #deletedCount = 0;
  /** The identity whose hooks.acquireUser accepted this session, to be released at the end. */
  #acquired: Identity | undefined;
  readonly #abort = new AbortController();

  constructor(engine: EngineContext, stream: Duplex, connection: ConnectionInfo, runOptions: RunOptions) {
    this.engine = engine;
    this.connection = { ...connection };
    this.channel = new Channel(stream, {
      maxLineLength: engine.settings.maxAuthLineSize,
      timers: engine.timers,
      fileSender: engine.fileSender,
      signal: runOptions.signal,
      onClosed: () => this.#abort.abort(),
    });
    this.channel.idleTimeoutMs = engine.settings.preAuthenticatedTimeoutMs;
  }

  /** Aborted when the session ends or the connection goes away. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get loggedIn(): boolean {
    return this.maildrop !== undefined;
  }

  async run(): Promise<SessionSummary> {
    let closing: Promise<void> = Promise.resolve();
    try {
      if (this.channel.shuttingDown) throw new Interrupt('shutdown', false);
      await this.channel.send(this.engine.greeting);
      while (this.end === undefined) await dispatch(this, await this.channel.readLine());
      closing = this.channel.close();
    } catch (error) {
      closing = this.#interrupted(error);
    }
    await this.#release();
    await closing;
    this.channel.dispose();
    return {
      user: this.identity?.user,
      commands: this.commands,
      retrieved: this.retrieved,
      deleted: this.committed,
      bytesIn: this.channel.bytesIn,
      bytesOut: this.channel.bytesOut,
      bytesFromFiles: this.channel.bytesFromFiles,
      end: this.end ?? 'error',
    };
  }

  /** Queues an answer. */
  reply(data: Buffer): Promise<void> {
    return this.channel.send(data);
  }

  /** Answers -ERR from the error table, counts bad commands, and closes the session at a limit. */
  async reject(code: ErrorCode, msn?: number): Promise<void> {
    this.lastError = code;
    const counts = (ERRORS[code] as ErrorSpec).counts;
    if (counts === undefined) return this.reply(this.engine.texts.err(code, msn));
    const { maxBadCommands, maxProtocolErrors } = this.engine.settings;
    this.#badCommands++;
    if (counts === 'protocol') this.#protocolErrors++;
    const limit = this.#badCommands >= maxBadCommands || this.#protocolErrors >= maxProtocolErrors;
    if (!limit) return this.reply(this.engine.texts.err(code, msn));
    if (code === 'POP3_ERR_UNKNOWN_COMMAND') {
      this.lastError = 'POP3_ERR_TOO_MANY_UNKNOWN_COMMANDS';
      this.end = 'limit';
      return this.reply(this.engine.texts.err('POP3_ERR_TOO_MANY_UNKNOWN_COMMANDS'));
    }
    return this.closeWith(code);
  }

  /** Answers -ERR followed by Exchange's "Connection is closed." line, then ends the session. */
  closeWith(code: ErrorCode): Promise<void> {
    this.lastError = code;
    this.end = 'limit';
    return this.reply(Buffer.concat([this.engine.texts.err(code), this.engine.texts.closing]));
  }

  /** Reports an event to the host; a throwing hook never disturbs the session. */
  emit(event: SessionEvent): void {
    try {
      this.engine.hooks.event?.(this.connection, event);
    } catch {
      // The host's logging problem is not the client's.
    }
  }

  /** Marks the user as holding a session (hooks.acquireUser accepted it). */
  acquired(identity: Identity): void {
    this.#acquired = identity;
  }

  /** Releases the user taken by acquired() when the login does not go through after all. */
  releaseUser(): void {
    const identity = this.#acquired;
    this.#acquired = undefined;
    if (!identity) return;
    try {
      this.engine.hooks.releaseUser?.(identity, this.connection);
    } catch (error) {
      this.emit({ type: 'error', error });
    }
  }

  /** The login is complete: the snapshot is open and TRANSACTION begins. */
  enterTransaction(identity: Identity, maildrop: Maildrop): void {
    this.identity = identity;
    this.maildrop = maildrop;
    this.state = 'TRANSACTION';
    this.pendingUser = undefined;
    this.channel.reader.maxLineLength = this.engine.settings.maxCommandSize;
    this.channel.idleTimeoutMs = this.engine.settings.authenticatedTimeoutMs;
  }

  isDeleted(index: number): boolean {
    return this.#deleted?.[index] === 1;
  }

  markDeleted(index: number): void {
    this.#deleted ??= new Uint8Array(this.maildrop!.count);
    this.#deleted[index] = 1;
    this.#deletedCount++;
  }

  unmarkAll(): void {
    this.#deleted = undefined;
    this.#deletedCount = 0;
  }

  /** Messages not marked deleted, and their total size. */
  totals(): { count: number; size: number } {
    const maildrop = this.maildrop!;
    let size = 0;
    for (let index = 0; index < maildrop.count; index++) if (!this.isDeleted(index)) size += maildrop.size(index);
    return { count: maildrop.count - this.#deletedCount, size };
  }

  deletedIndexes(): number[] {
    const out: number[] = [];
    const deleted = this.#deleted ?? [];
    for (let index = 0; index < deleted.length; index++) if (deleted[index] === 1) out.push(index);
    return out;
  }

  /** Ends the session after an interruption or a failure; returns the wait for a graceful close. */
  #interrupted(error: unknown): Promise<void> {
    if (!(error instanceof Interrupt)) {
      this.end = 'error';
      this.emit({ type: 'error', error });
      this.channel.destroy();
      return Promise.resolve();
    }
    switch (error.reason) {
      case 'eof':
        this.end = 'closed';
        return this.channel.close();
      case 'closed':
        this.end = 'closed';
        this.channel.destroy();
        return Promise.resolve();
      default: {
        this.end = error.reason;
        if (error.midResponse) {
          this.channel.destroy();
          return Promise.resolve();
        }
        const code = error.reason === 'timeout' ? 'POP3_ERR_TIMEOUT' : 'POP3_ERR_SHUTDOWN';
        return this.channel.close(this.engine.texts.err(code));
      }
    }
  }

  /** Nothing is committed here: a commit only ever happens in QUIT. */
  async #release(): Promise<void> {
    this.#abort.abort();
    if (this.maildrop) {
      try {
        await this.maildrop.release();
      } catch (error) {
        this.emit({ type: 'error', error });
      }
    }
    this.releaseUser();
  }
}
