import { describe, expect, it } from 'vitest';
import { RequestChannel, RequestError } from './request-channel.js';

type Sent = { poplar: 'request'; id: number; body: string };

function channel(timeoutMs = 50, maxPending?: number): { requests: RequestChannel<string>; sent: Sent[] } {
  const sent: Sent[] = [];
  const options = maxPending === undefined ? { timeoutMs } : { timeoutMs, maxPending };
  return { requests: new RequestChannel<string>((message) => void sent.push(message), options), sent };
}

describe('RequestChannel', () => {
  it('matches answers to requests by id, whatever their order', async () => {
    const { requests, sent } = channel(1000);
    const first = requests.request('one');
    const second = requests.request('two');
    expect(sent.map((message) => message.body)).toEqual(['one', 'two']);
    requests.answer(sent[1]!.id, 'answer two');
    requests.answer(sent[0]!.id, 'answer one');
    expect(await first).toBe('answer one');
    expect(await second).toBe('answer two');
    expect(requests.pending).toBe(0);
  });

  it('fails a request that gets no answer in time, and ignores the answer when it comes', async () => {
    const { requests, sent } = channel(30);
    const started = Date.now();
    await expect(requests.request('slow')).rejects.toThrow(RequestError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(requests.pending).toBe(0);
    requests.answer(sent[0]!.id, 'too late');
  });

  it('hands a late answer to the late handler', async () => {
    const { requests, sent } = channel(20);
    const late: unknown[] = [];
    await expect(requests.request('grant', (value) => late.push(value))).rejects.toThrow('no answer within 20 ms');
    expect(requests.pending).toBe(1);
    requests.answer(sent[0]!.id, 'granted');
    expect(late).toEqual(['granted']);
    expect(requests.pending).toBe(0);
  });

  it('fails every waiting request when closed, and new ones at once', async () => {
    const { requests } = channel(10_000);
    const waiting = requests.request('a');
    requests.close();
    await expect(waiting).rejects.toThrow('the channel is closed');
    await expect(requests.request('b')).rejects.toThrow('the channel is closed');
  });

  it('refuses past maxPending and when sending throws', async () => {
    const { requests } = channel(10_000, 1);
    void requests.request('a').catch(() => {});
    await expect(requests.request('b')).rejects.toThrow('too many requests waiting');
    requests.close();
    const broken = new RequestChannel<string>(
      () => {
        throw new Error('channel closed');
      },
      { timeoutMs: 10_000 },
    );
    await expect(broken.request('c')).rejects.toThrow('cannot send: channel closed');
    expect(broken.pending).toBe(0);
  });
});
