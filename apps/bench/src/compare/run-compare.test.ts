import { describe, expect, it } from 'vitest';
import { poplarTargets, rotated } from './run-compare.js';

describe('poplarTargets', () => {
  it('names each Poplar command in the order given, the first plainly "poplar"', () => {
    expect(poplarTargets([])).toEqual([]);
    expect(poplarTargets(['env WORKERS=auto run.sh %p', 'env WORKERS=1 run.sh %p'])).toEqual([
      { name: 'poplar', command: 'env WORKERS=auto run.sh %p' },
      { name: 'poplar-2', command: 'env WORKERS=1 run.sh %p' },
    ]);
  });
});

describe('rotated', () => {
  it('starts each run one server further along, so no server always follows the same one', () => {
    const servers = ['stock', 'tuned', 'poplar'];
    expect(rotated(servers, 0)).toEqual(['stock', 'tuned', 'poplar']);
    expect(rotated(servers, 1)).toEqual(['tuned', 'poplar', 'stock']);
    expect(rotated(servers, 2)).toEqual(['poplar', 'stock', 'tuned']);
    expect(rotated(servers, 3)).toEqual(servers);
    expect(rotated([], 2)).toEqual([]);
  });
});
