import { describe, expect, it } from 'vitest';
import { parseCompareScenarios } from './compare-scenarios.js';

describe('parseCompareScenarios', () => {
  it('runs the bench scenarios with RETR', () => {
    expect(parseCompareScenarios('retr-all,login,idle,big')).toEqual([
      { name: 'retr-all', scenario: 'retr-all', fetch: 'retr' },
      { name: 'login', scenario: 'login', fetch: 'retr' },
      { name: 'idle', scenario: 'idle', fetch: 'retr' },
      { name: 'big', scenario: 'big', fetch: 'retr' },
    ]);
  });

  it('runs top-all as retr-all fetching with TOP, beside retr-all', () => {
    expect(parseCompareScenarios(' retr-all , top-all ')).toEqual([
      { name: 'retr-all', scenario: 'retr-all', fetch: 'retr' },
      { name: 'top-all', scenario: 'retr-all', fetch: 'top' },
    ]);
  });

  it('refuses an unknown name, listing the known ones, and an empty list', () => {
    expect(() => parseCompareScenarios('retr-all,top,TOP-ALL')).toThrow(
      'unknown scenario: top, TOP-ALL (known: retr-all, login, idle, big, exchange-profile, top-all)',
    );
    expect(() => parseCompareScenarios(' , ')).toThrow('no scenario given');
  });
});
