import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadSendfile } from './load-sendfile.js';

const dir = mkdtempSync(join(tmpdir(), 'poplar-sendfile-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The common reasons (a recorded build failure, a file that does not load) are @poplar/native-addon's and tested there.
describe('loadSendfile when the addon cannot load', () => {
  it('reports a missing addon with its path and how to rebuild, without throwing', () => {
    expect(loadSendfile({ path: '/nonexistent/x.node' })).toEqual({
      ok: false,
      reason:
        'the native addon was not built (/nonexistent/x.node is missing): install gcc, make and python3, ' +
        'then rebuild (`npm rebuild @poplar/sendfile`; in a source checkout `pnpm --filter @poplar/sendfile build:native`)',
    });
  });

  it('refuses a module that is not this addon', () => {
    const path = join(dir, 'other.cjs');
    writeFileSync(path, 'module.exports = { sendfile: 1 };');
    expect(loadSendfile({ path })).toEqual({ ok: false, reason: `${path} is not the @poplar/sendfile addon` });
  });
});

describe.skipIf(process.platform !== 'linux')('loadSendfile with the built addon', () => {
  it('loads it once per process', () => {
    const result = loadSendfile();
    if (!result.ok) expect.fail(`the addon must build and load on Linux with a C toolchain: ${result.reason}`);
    expect(result.binding.path).toBe(DEFAULT_ADDON_PATH);
    expect(result.binding.path).toMatch(/build\/Release\/sendfile\.node$/);
    expect(result.binding.sendFile).toBeTypeOf('function');
    expect(loadSendfile()).toBe(result);
  });
});
