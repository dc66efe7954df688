import { describe, expect, it } from 'vitest';
import { LocalPolicy } from '../local-policy.js';
import type { WorkerMessage, WorkerRequest } from './messages.js';
import { PolicyHost, type PolicyQuestion } from './policy-host.js';
import { RemotePolicy } from './remote-policy.js';
import { RequestChannel } from './request-channel.js';

const SETTINGS = {
  maxConnections: 100,
  maxConnectionFromSingleIP: 2,
  maxConnectionsPerUser: 1,
  penalty: { stepMs: 1000, maxMs: 9000, decayMs: 60_000, tableSize: 100 },
};

/**
 * Workers talking to one host over in-memory channels, as the primary answers them; `answering` false stands for
 * a primary that does not answer (busy or stuck).
 */
function cluster(timeoutMs = 1000) {
  const host = new PolicyHost(new LocalPolicy(SETTINGS, () => 0));
  let answering = true;
  const held: Array<() => void> = [];
  const worker = (id: number) => {
    let requests: RequestChannel<WorkerRequest>;
    const toHost = (message: WorkerMessage): void => {
      const deliver = (): void => {
        if (message.poplar === 'release') host.release(id, message.what, message.key);
        else if (message.poplar === 'request')
          requests.answer(message.id, host.answer(id, message.body as PolicyQuestion));
      };
      if (answering) queueMicrotask(deliver);
      else held.push(deliver);
    };
    requests = new RequestChannel<WorkerRequest>(toHost, { timeoutMs });
    return new RemotePolicy(requests, toHost, SETTINGS.penalty.maxMs);
  };
  return {
    host,
    worker,
    pause: () => {
      answering = false;
    },
    /** The primary catches up: everything it was sent is handled now. */
    resume: () => {
      answering = true;
      for (const deliver of held.splice(0)) deliver();
    },
  };
}

describe('RemotePolicy with PolicyHost', () => {
  it('holds MaxConnectionFromSingleIP and MaxConnectionsPerUser across workers', async () => {
    const { worker } = cluster();
    const one = worker(1);
    const two = worker(2);
    expect(await one.acquireConnection('192.0.2.1')).toBeNull();
    expect(await two.acquireConnection('192.0.2.1')).toBeNull();
    expect(await two.acquireConnection('192.0.2.1')).toBe('MaxConnectionFromSingleIP');
    expect(await one.acquireConnection('192.0.2.1')).toBe('MaxConnectionFromSingleIP');
    one.releaseConnection('192.0.2.1');
    expect(await two.acquireConnection('192.0.2.1')).toBeNull();

    expect(await one.acquireUser('alice')).toBe(true);
    expect(await two.acquireUser('ALICE')).toBe(false);
    one.releaseUser('alice');
    expect(await two.acquireUser('Alice')).toBe(true);
  });

  it('grows the failed-login penalty across workers', async () => {
    const { worker } = cluster();
    const one = worker(1);
    const two = worker(2);
    expect(await one.loginFailed('192.0.2.9')).toBe(0);
    expect(await two.loginFailed('192.0.2.9')).toBe(1000);
    expect(await one.loginFailed('192.0.2.9')).toBe(3000);
  });

  it('gives back everything a dead worker held, and ignores releases of what a worker never held', async () => {
    const { host, worker } = cluster();
    const one = worker(1);
    const two = worker(2);
    await one.acquireConnection('192.0.2.1');
    await one.acquireConnection('192.0.2.1');
    await one.acquireUser('alice');
    two.releaseConnection('192.0.2.1');
    two.releaseUser('alice');
    await Promise.resolve();
    expect(await two.acquireConnection('192.0.2.1')).toBe('MaxConnectionFromSingleIP');
    expect(await two.acquireUser('alice')).toBe(false);
    host.forget(1);
    expect(await two.acquireConnection('192.0.2.1')).toBeNull();
    expect(await two.acquireUser('alice')).toBe(true);
  });

  it('fails safe when the primary does not answer in time, and gives back a grant that comes too late', async () => {
    const { worker, pause, resume } = cluster(30);
    const one = worker(1);
    const two = worker(2);
    pause();
    expect(await one.acquireConnection('192.0.2.1')).toBe('unavailable');
    expect(await one.acquireUser('alice')).toBe('unavailable');
    expect(await one.loginFailed('192.0.2.1')).toBe(SETTINGS.penalty.maxMs);
    // The primary catches up and grants what nobody waits for any more: the worker gives it straight back.
    resume();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await two.acquireUser('alice')).toBe(true);
    expect(await two.acquireConnection('192.0.2.1')).toBeNull();
    expect(await two.acquireConnection('192.0.2.1')).toBeNull();
  });
});
