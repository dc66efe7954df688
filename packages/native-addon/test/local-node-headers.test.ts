// Which Node.js headers a build uses, so that node-gyp downloads none when some are on the machine.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localNodeHeaders } from '../src/run-node-gyp.mjs';

const root = mkdtempSync(join(tmpdir(), 'poplar-node-headers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A node install under root/<name>: bin/node, and include/node with the headers of `version` unless undefined. */
function install(name: string, version?: string): { prefix: string; execPath: string } {
  const prefix = join(root, name);
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  if (version !== undefined) {
    const [major, minor, patch] = version.slice(1).split('.');
    const include = join(prefix, 'include', 'node');
    mkdirSync(include, { recursive: true });
    writeFileSync(
      join(include, 'node_version.h'),
      `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`,
    );
    writeFileSync(join(include, 'node_api.h'), '/* Node-API */\n');
  }
  return { prefix, execPath: join(prefix, 'bin', 'node') };
}

const matching = install('matching', 'v24.21.0');
const older = install('older', 'v20.19.0');
const bare = install('bare');
const none = join(root, 'nothing-here');

describe('localNodeHeaders', () => {
  it('takes the headers installed with this node when they are of its version', () => {
    const lookup = { execPath: matching.execPath, version: 'v24.21.0', env: {}, otherPrefixes: [older.prefix] };
    expect(localNodeHeaders(lookup)).toBe(matching.prefix);
    // Even when the user names others: these are the exact ones.
    expect(localNodeHeaders({ ...lookup, env: { npm_config_nodedir: older.prefix } })).toBe(matching.prefix);
  });

  it("takes another installed node's headers for a node that came without its own (Node-API is stable)", () => {
    const lookup = { execPath: bare.execPath, version: 'v24.21.0', env: {}, otherPrefixes: [none, older.prefix] };
    expect(localNodeHeaders(lookup)).toBe(older.prefix);
  });

  it('takes the headers next to node of another version before looking elsewhere', () => {
    const lookup = { execPath: older.execPath, version: 'v24.21.0', env: {}, otherPrefixes: [matching.prefix] };
    expect(localNodeHeaders(lookup)).toBe(older.prefix);
  });

  it('leaves the choice to node-gyp when the user names headers, or when there are none', () => {
    const env = { npm_config_nodedir: '/opt/node-headers' };
    expect(localNodeHeaders({ execPath: bare.execPath, version: 'v24.21.0', env, otherPrefixes: [older.prefix] })).toBe(
      undefined,
    );
    expect(localNodeHeaders({ execPath: bare.execPath, version: 'v24.21.0', env: {}, otherPrefixes: [none] })).toBe(
      undefined,
    );
  });
});
