import type { FetchCommand } from '../client/pop3-client.js';
import { SCENARIOS, type ScenarioName } from '../scenarios/scenario-context.js';

/** A scenario as `compare` runs it: a bench scenario and how it fetches messages. */
export interface CompareScenario {
  /** The name in `--scenarios`, in the tables and in the report folders. */
  name: string;
  scenario: ScenarioName;
  fetch: FetchCommand;
}

/** Scenarios only `compare` knows: retr-all fetching with TOP <msn> 99999999, as fetchmail does. */
const VARIANTS: readonly CompareScenario[] = [{ name: 'top-all', scenario: 'retr-all', fetch: 'top' }];

export const COMPARE_SCENARIOS: readonly string[] = [...SCENARIOS, ...VARIANTS.map((variant) => variant.name)];

/** Parses `--scenarios`, a comma-separated list; an unknown name is an error that lists the known ones. */
export function parseCompareScenarios(list: string): CompareScenario[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !COMPARE_SCENARIOS.includes(name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario: ${unknown.join(', ')} (known: ${COMPARE_SCENARIOS.join(', ')})`);
  }
  if (names.length === 0) throw new Error('no scenario given');
  return names.map(
    (name) =>
      VARIANTS.find((variant) => variant.name === name) ?? { name, scenario: name as ScenarioName, fetch: 'retr' },
  );
}
