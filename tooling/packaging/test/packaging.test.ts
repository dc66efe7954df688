// Every public package under packages/ ("private": false) promises to be usable on its own: ESM with types, an
// `exports` map, and a README with a working example. This checks the promise the way a user meets the packages:
// each package is packed with pnpm (which turns workspace: and catalog: ranges into versions), the tarballs are
// installed with npm into an empty project, and that project imports them under this node, type-checks them with
// skipLibCheck off (the published .d.ts files must be valid themselves) and compiles the examples of their READMEs.
// The project sees only the tarballs and the npm registry; of the workspace, only its TypeScript compiler is used.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { krb5DevInstalled } from '@poplar/test-kdc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'poplar-packaging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * pnpm as the repository pins it (package.json's packageManager): the pnpm running this test when it is that one
 * (`pnpm test` names itself in npm_execpath), else through npx. Under Node 24 an `npx pnpm` started inside
 * `npx pnpm test` waited about a minute each time before it ran.
 */
const PNPM = pnpmCommand(readJson<{ packageManager: string }>(join(repo, 'package.json')).packageManager);
/** The TypeScript compiler of the workspace (TypeScript 7's bin/tsc starts the native compiler). */
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
/**
 * --strict-allow-scripts makes npm fail the install when a dependency's install script is neither approved nor
 * denied in the project's allowScripts, so a key that does not match a tarball shows up as a failure.
 */
const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--strict-allow-scripts'];

const EXAMPLE_LANGUAGES = ['ts', 'typescript', 'js', 'mjs'];

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly type?: string;
  readonly exports?: unknown;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

interface PublicPackage {
  readonly name: string;
  /** packages/<dir> */
  readonly dir: string;
}

interface PackedPackage extends PublicPackage {
  readonly tarball: string;
  /** The package.json inside the tarball, as text and parsed. */
  readonly manifestText: string;
  readonly manifest: Manifest;
  /** Every file in the tarball, relative to its package/ folder, with forward slashes. */
  readonly files: readonly string[];
}

interface Example {
  readonly pkg: PublicPackage;
  /** 1-based line in the README of the block's first line of code. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
}

const packages = publicPackages();
const packed = new Map<string, PackedPackage>();

beforeAll(async () => {
  for (const pkg of packages) packed.set(pkg.name, await pack(pkg));
});

describe('the public packages', () => {
  it('are found under packages/ and are all devDependencies of this package, so that turbo builds them first', () => {
    expect(packages.length).toBeGreaterThan(0);
    const own = readJson(fileURLToPath(new URL('../package.json', import.meta.url)));
    for (const { name } of packages) expect(own.devDependencies?.[name], name).toBe('workspace:*');
  });

  it.each(packages)('$name: the packed package.json has versions, no workspace: or catalog: ranges', ({ name }) => {
    const { manifestText } = packed.get(name)!;
    expect(manifestText).not.toMatch(/"(workspace|catalog):/);
  });

  it.each(packages)('$name: the tarball is ESM and holds its exports targets and README.md, no tests', ({ name }) => {
    const { manifest, files } = packed.get(name)!;
    expect(manifest.type).toBe('module');
    const targets = exportTargets(manifest.exports);
    expect([...targets.keys()]).toContain('.');
    for (const [subpath, { types, defaults }] of targets) {
      if (subpath === './package.json') continue;
      // An export without types would type as `any` for TypeScript users.
      expect(types, `${subpath}: a types condition`).not.toEqual([]);
      expect(defaults, `${subpath}: a default condition`).not.toEqual([]);
      for (const target of [...types, ...defaults]) expect(files, `${subpath}: ${target}`).toContain(target);
    }
    expect(files).toContain('README.md');
    expect(files.filter((file) => file.endsWith('.test.ts'))).toEqual([]);
  });

  it.each(packages)('$name: the README has at least one example that imports the package', (pkg) => {
    expect(
      readmeExamples(pkg).filter((example) => new RegExp(`from\\s*['"]${pkg.name}['"/]`).test(example.code)),
    ).not.toEqual([]);
  });
});

describe('installed with npm into an empty project', () => {
  const project = join(work, 'project');

  beforeAll(async () => {
    mkdirSync(project);
    const all = [...packed.values()];
    writeJson(join(project, 'package.json'), {
      name: 'poplar-packaging-check',
      version: '0.0.0',
      private: true,
      type: 'module',
      dependencies: {
        ...Object.fromEntries(all.map((p) => [p.name, `file:${p.tarball}`])),
        '@types/node': catalogVersion('@types/node'),
      },
      // The install scripts (the node-gyp builds of @poplar/sendfile and @poplar/gssapi) are approved, as
      // `npm install-scripts approve` would write it after `npm install-scripts ls` listed them.
      allowScripts: Object.fromEntries(all.filter(hasInstallScript).map((p) => [allowScriptsKey(p), true])),
      overrides: fromTarballs(all),
    });
    await mustRun('npm', NPM_INSTALL, project);
  });

  it('takes every @poplar package from its tarball, none from the registry', () => {
    const lock = readJson<{ packages: Record<string, { resolved?: string }> }>(join(project, 'package-lock.json'));
    const poplar = Object.entries(lock.packages).filter(([path]) => /(^|\/)node_modules\/@poplar\//.test(path));
    expect(poplar.map(([path]) => path.replace(/^.*node_modules\//, '')).sort()).toEqual(
      packages.map((p) => p.name).sort(),
    );
    for (const [path, { resolved }] of poplar) expect(resolved, path).toMatch(/^file:/);
  });

  it('ran the approved install scripts: the addons load (gssapi where libkrb5-dev is installed)', async () => {
    expect(await loadAddon(project, 'sendfile')).toEqual({ ok: true });
    // Without the Kerberos headers the gssapi build fails, and the install goes on; the reason says what to install.
    const gssapi = await loadAddon(project, 'gssapi');
    if (krb5DevInstalled()) expect(gssapi).toEqual({ ok: true });
    else expect(gssapi).toMatchObject({ ok: false, reason: expect.stringContaining('libkrb5-dev') });
  });

  it.each(packages)(`$name: every export imports under node ${process.version} and has named exports`, async ({
    name,
  }) => {
    for (const specifier of exportSpecifiers(packed.get(name)!)) {
      const script = `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m))))`;
      const { status, stdout, output } = await run(process.execPath, ['--input-type=module', '-e', script], project);
      expect(status, `${specifier}: ${output}`).toBe(0);
      expect(JSON.parse(stdout), specifier).not.toEqual([]);
    }
  });

  it('type-checks an import of every export with skipLibCheck off', async () => {
    const specifiers = [...packed.values()].flatMap(exportSpecifiers);
    writeFileSync(
      join(project, 'check.mts'),
      `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\n\n` +
        `export const modules = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`,
    );
    writeJson(join(project, 'tsconfig.json'), {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2023',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['check.mts'],
    });
    const { status, output } = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('compiles every README example: ts blocks as .mts, js blocks as .mjs with checkJs, both strict', async () => {
    // Each example is its own module, so examples do not see each other's names. Errors are reported at the README
    // line they come from.
    mkdirSync(join(project, 'examples'));
    const files = new Map<string, Example>();
    for (const example of packages.flatMap(readmeExamples)) {
      const extension = example.lang === 'ts' || example.lang === 'typescript' ? 'mts' : 'mjs';
      const file = `examples/${basename(example.pkg.dir)}-${example.line}.${extension}`;
      writeFileSync(join(project, file), example.code);
      files.set(file, example);
    }
    writeJson(join(project, 'tsconfig.examples.json'), {
      extends: './tsconfig.json',
      compilerOptions: { allowJs: true, checkJs: true },
      files: [...files.keys()],
    });
    const { status, output } = await run(process.execPath, [TSC, '-p', 'tsconfig.examples.json'], project);
    const atReadmeLines = output.replace(/(examples\/[\w.-]+)\((\d+),(\d+)\)/g, (text, file: string, line, column) => {
      const example = files.get(file);
      if (!example) return text;
      const readme = join(example.pkg.dir, 'README.md').slice(repo.length);
      return `${readme}:${example.line + Number(line) - 1}:${column}`;
    });
    expect(atReadmeLines).toBe('');
    expect(status).toBe(0);
  });
});

describe('installed with the install script of @poplar/sendfile denied', () => {
  // npm 11.19 still runs a dependency's install script that allowScripts does not mention, with a warning (an error
  // under --strict-allow-scripts), though `npm help install-scripts` says it skips it; one denied with `false` is
  // skipped. Either way the package must load without its addon and say how to build it, and `npm rebuild` once
  // approved must build it.
  const project = join(work, 'denied');

  beforeAll(async () => {
    mkdirSync(project);
    const sendfile = packed.get('@poplar/sendfile')!;
    writeJson(join(project, 'package.json'), {
      name: 'poplar-packaging-denied',
      version: '0.0.0',
      private: true,
      type: 'module',
      dependencies: Object.fromEntries(withPoplarDependencies(sendfile).map((p) => [p.name, `file:${p.tarball}`])),
      allowScripts: { [allowScriptsKey(sendfile)]: false },
      overrides: fromTarballs(withPoplarDependencies(sendfile)),
    });
    await mustRun('npm', NPM_INSTALL, project);
  });

  it('loadSendfile() says how to rebuild, and `npm rebuild @poplar/sendfile` once approved makes it load', async () => {
    const before = await loadAddon(project, 'sendfile');
    expect(before).toMatchObject({ ok: false, reason: expect.stringContaining('`npm rebuild @poplar/sendfile`') });

    const manifest = readJson<{ allowScripts: Record<string, boolean> }>(join(project, 'package.json'));
    for (const key of Object.keys(manifest.allowScripts)) manifest.allowScripts[key] = true;
    writeJson(join(project, 'package.json'), manifest);
    await mustRun('npm', ['rebuild', '@poplar/sendfile'], project);

    expect(await loadAddon(project, 'sendfile')).toEqual({ ok: true });
  });
});

// --- helpers ---

function readJson<T = Manifest>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function publicPackages(): PublicPackage[] {
  const root = join(repo, 'packages');
  return readdirSync(root)
    .map((entry) => join(root, entry))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }))
    .filter(({ manifest }) => manifest.private === false)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir }));
}

/** How to run `packageManager` ("pnpm@12.4.2+sha512..."): see PNPM. */
function pnpmCommand(packageManager: string): { command: string; args: string[] } {
  const pinned = packageManager.replace(/\+.*/, '');
  const running = process.env.npm_execpath;
  const version = /^pnpm\/(\S+)/.exec(process.env.npm_config_user_agent ?? '')?.[1];
  if (running === undefined || `pnpm@${version}` !== pinned)
    return { command: 'npx', args: ['-y', '--prefer-offline', pinned] };
  // pnpm 12 installs a native executable; earlier ones a script for node.
  return /\.[cm]?js$/.test(running) ? { command: process.execPath, args: [running] } : { command: running, args: [] };
}

/** A version from the catalog in pnpm-workspace.yaml (`  "@types/node": ^20.19.0`). */
function catalogVersion(name: string): string {
  const yaml = readFileSync(join(repo, 'pnpm-workspace.yaml'), 'utf8');
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s+["']?${quoted}["']?:\\s*["']?([^"'\\s#]+)`, 'm').exec(yaml);
  if (!match?.[1]) throw new Error(`${name} is not in the catalog of pnpm-workspace.yaml`);
  return match[1];
}

/** `pnpm pack` in the package's folder, then the tarball unpacked to see what a user gets. */
async function pack(pkg: PublicPackage): Promise<PackedPackage> {
  const destination = join(work, 'tarballs', basename(pkg.dir));
  mkdirSync(destination, { recursive: true });
  await mustRun(PNPM.command, [...PNPM.args, 'pack', '--pack-destination', destination], pkg.dir);
  const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`pnpm pack in ${pkg.dir} left ${tarballs.join(', ') || 'no tarball'}`);
  const tarball = join(destination, tarballs[0]!);
  const unpacked = join(work, 'unpacked', basename(pkg.dir));
  mkdirSync(unpacked, { recursive: true });
  await mustRun('tar', ['-xzf', tarball, '-C', unpacked], work);
  const root = join(unpacked, 'package');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(root, file)).isFile())
    .map((file) => file.split('\\').join('/'))
    .sort();
  const manifestText = readFileSync(join(root, 'package.json'), 'utf8');
  return { ...pkg, tarball, manifestText, manifest: JSON.parse(manifestText), files };
}

/**
 * The files each export's `types` and `default` conditions name (at any depth of nested conditions; a plain string
 * export counts as `default`), by subpath, without the leading './'.
 */
function exportTargets(exports: unknown): Map<string, { types: string[]; defaults: string[] }> {
  const subpaths =
    exports && typeof exports === 'object' && Object.keys(exports).every((key) => key.startsWith('.'))
      ? Object.entries(exports)
      : [['.', exports] as const];
  const result = new Map<string, { types: string[]; defaults: string[] }>();
  for (const [subpath, value] of subpaths) {
    const targets = { types: [] as string[], defaults: [] as string[] };
    const visit = (node: unknown, condition: string): void => {
      if (typeof node === 'string') {
        const file = node.replace(/^\.\//, '');
        if (condition === 'types') targets.types.push(file);
        else if (condition === 'default') targets.defaults.push(file);
      } else if (Array.isArray(node)) {
        for (const item of node) visit(item, condition);
      } else if (node && typeof node === 'object') {
        for (const [key, inner] of Object.entries(node)) visit(inner, key);
      }
    };
    visit(value, 'default');
    result.set(subpath, targets);
  }
  return result;
}

/** What a user writes to import each export: '@poplar/session', '@poplar/session/testing', ... */
function exportSpecifiers(pkg: PackedPackage): string[] {
  return [...exportTargets(pkg.manifest.exports).keys()]
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
}

/**
 * The examples in a package's README.md: fenced blocks tagged ts, typescript, js or mjs with an
 * `import ... from '@poplar/...'`. Blocks without such an import show API signatures and are not programs.
 */
function readmeExamples(pkg: PublicPackage): Example[] {
  const lines = readFileSync(join(pkg.dir, 'README.md'), 'utf8').split('\n');
  const examples: Example[] = [];
  let block: { closing: RegExp; lang: string; line: number; code: string[] } | undefined;
  for (const [index, text] of lines.entries()) {
    if (block === undefined) {
      const [, fence, lang] = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(text) ?? [];
      // A block ends at the same fence character, at least as many, and nothing else on the line.
      if (fence !== undefined) {
        const closing = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
        block = { closing, lang: lang?.toLowerCase() ?? '', line: index + 2, code: [] };
      }
    } else if (!block.closing.test(text)) {
      block.code.push(text);
    } else {
      const code = `${block.code.join('\n')}\n`;
      if (EXAMPLE_LANGUAGES.includes(block.lang) && /^\s*import\s[^;]*?\bfrom\s*['"]@poplar\//m.test(code)) {
        examples.push({ pkg, line: block.line, lang: block.lang, code });
      }
      block = undefined;
    }
  }
  return examples;
}

/**
 * npm overrides that answer the packages' dependencies on each other (`"@poplar/session": "^0.1.0"`) with the
 * project's own tarball dependencies: without them npm asks the registry for those ranges first, and where the
 * registry cannot be reached (under Node 24 in CI it failed TLS verification) it retries each for about a minute.
 */
function fromTarballs(pkgs: readonly PackedPackage[]): Record<string, string> {
  return Object.fromEntries(pkgs.map((p) => [p.name, `$${p.name}`]));
}

function hasInstallScript(pkg: PackedPackage): boolean {
  const scripts = pkg.manifest.scripts ?? {};
  return ['preinstall', 'install', 'postinstall'].some((event) => event in scripts);
}

/** npm matches a tarball dependency by its `file:` source, which `npm install-scripts approve` writes absolute. */
function allowScriptsKey(pkg: PackedPackage): string {
  return `file:${pkg.tarball}`;
}

/**
 * The package and the public packages it depends on, directly or not, so that npm takes no @poplar package from the
 * registry.
 */
function withPoplarDependencies(pkg: PackedPackage, seen = new Map<string, PackedPackage>()): PackedPackage[] {
  seen.set(pkg.name, pkg);
  for (const name of Object.keys(pkg.manifest.dependencies ?? {})) {
    const dependency = packed.get(name);
    if (dependency && !seen.has(name)) withPoplarDependencies(dependency, seen);
  }
  return [...seen.values()];
}

interface AddonResult {
  readonly ok: boolean;
  readonly reason?: string;
}

const LOADERS = { sendfile: 'loadSendfile', gssapi: 'loadGssapi' } as const;

/** loadSendfile() or loadGssapi() in a fresh node in the project (each loads its addon once per process). */
async function loadAddon(project: string, name: keyof typeof LOADERS): Promise<AddonResult> {
  const script = `const loaded = (await import('@poplar/${name}')).${LOADERS[name]}();
console.log(JSON.stringify(loaded.ok ? { ok: true } : { ok: false, reason: loaded.reason }));`;
  return JSON.parse(await mustRun(process.execPath, ['--input-type=module', '-e', script], project));
}

interface RunResult {
  readonly status: number;
  readonly stdout: string;
  /** stdout, then stderr. */
  readonly output: string;
}

/** Runs a command to its end; never rejects, so that a test can show what it printed. */
function run(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: userEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const failure = error && typeof error.code !== 'number' ? `${error.message}\n` : '';
      resolve({ status, stdout, output: `${stdout}${stderr}${failure}` });
    });
  });
}

/** Runs a command that must succeed; resolves to its stdout. */
async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const { status, stdout, output } = await run(command, args, cwd);
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} in ${cwd} exited with ${status}:\n${output}`);
  return stdout;
}

/**
 * This process's environment less what pnpm and npm put into a running script's (npm_package_*, npm_lifecycle_*,
 * npm_config_local_prefix, ...): the commands run as from a user's shell, with the user's npm configuration.
 */
function userEnv(): NodeJS.ProcessEnv {
  const scriptOnly = /^(npm_(?!config_)|npm_config_(local_prefix|user_agent)$|pnpm_)/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !scriptOnly.test(key)));
}
