import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAYER_OFFER, parseLayerChoice } from './security-layer.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('parseLayerChoice', () => {
  it('offers no security layer with maximum size 0', () => {
    expect([...LAYER_OFFER]).toEqual([0x01, 0, 0, 0]);
  });

  it('accepts "no layer", size 0, with an empty or UTF-8 authzid', () => {
    expect(parseLayerChoice(bytes(1, 0, 0, 0))).toEqual({ ok: true, authzid: '' });
    expect(parseLayerChoice(Buffer.from('\x01\0\0\0alice', 'latin1'))).toEqual({ ok: true, authzid: 'alice' });
    expect(parseLayerChoice(Buffer.concat([bytes(1, 0, 0, 0), Buffer.from('jürgen')]))).toEqual({
      ok: true,
      authzid: 'jürgen',
    });
  });

  it('refuses short answers, other layers, a non-zero size, bad UTF-8 and NUL', () => {
    expect(parseLayerChoice(bytes(1, 0, 0))).toEqual({
      ok: false,
      problem: 'security-layer answer has 3 octets, at least 4 needed',
    });
    expect(parseLayerChoice(bytes(4, 0, 0, 0))).toMatchObject({ ok: false, problem: expect.stringContaining('0x4') });
    expect(parseLayerChoice(bytes(3, 0, 0, 0))).toMatchObject({ ok: false });
    expect(parseLayerChoice(bytes(1, 0, 0x10, 0))).toEqual({
      ok: false,
      problem: 'client announced maximum size 4096 without a security layer',
    });
    expect(parseLayerChoice(bytes(1, 0, 0, 0, 0xc3))).toEqual({
      ok: false,
      problem: 'authorization identity is not valid UTF-8',
    });
    expect(parseLayerChoice(bytes(1, 0, 0, 0, 0x61, 0))).toEqual({
      ok: false,
      problem: 'authorization identity contains NUL',
    });
  });

  it('never throws, and accepts only answers that start 01 00 00 00', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const result = parseLayerChoice(data);
        if (result.ok) expect([...data.subarray(0, 4)]).toEqual([1, 0, 0, 0]);
      }),
    );
  });
});
