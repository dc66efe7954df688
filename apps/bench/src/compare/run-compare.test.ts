import { describe, expect, it } from 'vitest';
import { poplarTargets } from './run-compare.js';

describe('poplarTargets', () => {
  it('names each Poplar command in the order given, the first plainly "poplar"', () => {
    expect(poplarTargets([])).toEqual([]);
    expect(poplarTargets(['env WORKERS=auto run.sh %p', 'env WORKERS=1 run.sh %p'])).toEqual([
      { name: 'poplar', command: 'env WORKERS=auto run.sh %p' },
      { name: 'poplar-2', command: 'env WORKERS=1 run.sh %p' },
    ]);
  });
});
