import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LoadNativeAddonOptions, loadNativeAddon } from './load-native-addon.mjs';

const dir = mkdtempSync(join(tmpdir(), 'poplar-native-addon-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fixture {
  hello(): string;
}

const options: LoadNativeAddonOptions<Fixture> = {
  packageName: '@fixture/addon',
  isModule: (value): value is Fixture => typeof (value as Partial<Fixture> | null)?.hello === 'function',
  requirements: 'gcc, make and python3',
};
const REBUILD =
  'then rebuild (`npm rebuild @fixture/addon`; in a source checkout `pnpm --filter @fixture/addon build:native`)';

/** build/Release/fixture.node under `name`, with build/native-build.json holding `record` when given. */
function missingAddon(name: string, record?: string): string {
  const build = join(dir, name, 'build');
  mkdirSync(join(build, 'Release'), { recursive: true });
  if (record !== undefined) writeFileSync(join(build, 'native-build.json'), record);
  return join(build, 'Release', 'fixture.node');
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadNativeAddon when the addon is missing', () => {
  it('says what to install and how to rebuild, without throwing', () => {
    const path = missingAddon('never-built');
    expect(loadNativeAddon(path, options)).toEqual({
      ok: false,
      reason: `the native addon was not built (${path} is missing): install gcc, make and python3, ${REBUILD}`,
    });
  });

  it('repeats the reason the build script recorded', () => {
    const record = { ok: false, reason: 'widgets are Linux only', node: process.version };
    const path = missingAddon('failed', JSON.stringify(record));
    expect(loadNativeAddon(path, options)).toEqual({
      ok: false,
      reason: 'the native addon was not built: widgets are Linux only',
    });
  });

  it('says what to install when the record is of a good build or cannot be read', () => {
    for (const [name, record] of [
      ['removed-after-build', JSON.stringify({ ok: true, reason: null })],
      ['unreadable-record', '{ "ok": false, '],
    ] as const) {
      const path = missingAddon(name, record);
      expect(loadNativeAddon(path, options)).toEqual({
        ok: false,
        reason: `the native addon was not built (${path} is missing): install gcc, make and python3, ${REBUILD}`,
      });
    }
  });
});

describe('loadNativeAddon when the addon is there', () => {
  it('returns the module', () => {
    const path = file('fixture.cjs', "module.exports = { hello: () => 'fixture' };");
    const result = loadNativeAddon(path, options);
    expect(result).toEqual({ ok: true, native: createRequire(import.meta.url)(path) });
    if (result.ok) expect(result.native.hello()).toBe('fixture');
  });

  it('reports a file that is not a loadable addon', () => {
    const path = file('garbage.node', 'not an ELF file');
    const result = loadNativeAddon(path, options);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/^the native addon .*garbage\.node failed to load \(.+\): then rebuild/);
      expect(result.reason.endsWith(REBUILD)).toBe(true);
    }
  });

  it("gives the first line of require()'s error, or the package's reading of it", () => {
    const path = file('throws.cjs', "throw new Error('cannot open libfixture.so.1\\nsecond line');");
    expect(loadNativeAddon(path, options)).toEqual({
      ok: false,
      reason: `the native addon ${path} failed to load (cannot open libfixture.so.1): ${REBUILD}`,
    });
    const explainLoadError = (error: unknown) =>
      error instanceof Error && error.message.includes('libfixture.so') ? 'libfixture missing: install it' : undefined;
    expect(loadNativeAddon(path, { ...options, explainLoadError })).toEqual({
      ok: false,
      reason: 'libfixture missing: install it',
    });
    const other = file('throws-other.cjs', "throw new Error('something else');");
    expect(loadNativeAddon(other, { ...options, explainLoadError })).toEqual({
      ok: false,
      reason: `the native addon ${other} failed to load (something else): ${REBUILD}`,
    });
  });

  it('refuses a module that is not the addon', () => {
    const path = file('other.cjs', 'module.exports = { hello: 1 };');
    expect(loadNativeAddon(path, options)).toEqual({ ok: false, reason: `${path} is not the @fixture/addon addon` });
  });
});
