#!/usr/bin/env node
// Adds up the vitest JSON reports of every package and prints "N passed, M failed", after a "FAILED" line for
// each failing test, so that the end of a long log names what failed.
// --clean removes old reports first, so a package whose tests crashed before reporting counts as a failure.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const dirs = ['packages', 'apps', 'tooling']
  .flatMap((d) =>
    readdirSync(join(root, d), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(root, d, e.name)),
  )
  .filter(
    (dir) =>
      existsSync(join(dir, 'package.json')) &&
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test,
  );

if (process.argv.includes('--clean')) {
  for (const dir of dirs) rmSync(join(dir, '.test-results.json'), { force: true });
  process.exit(0);
}

const firstLine = (text) =>
  String(text ?? '')
    .split('\n')[0]
    .slice(0, 300);

let passed = 0;
let failed = 0;
const failures = [];
for (const dir of dirs) {
  const file = join(dir, '.test-results.json');
  const name = dir.slice(root.length);
  if (!existsSync(file)) {
    console.log(`${name}: no test report (the test run crashed or did not start)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  // A file that failed without a failing test (an import error, a crash) counts as one failure.
  let suiteErrors = 0;
  for (const t of r.testResults ?? []) {
    const testFile = t.name.startsWith(dir) ? t.name.slice(dir.length + 1) : t.name;
    const failedTests = (t.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failedTests) {
      failures.push(`FAILED ${name} ${testFile} > ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`);
    }
    if (t.status === 'failed' && failedTests.length === 0) {
      suiteErrors++;
      failures.push(`FAILED ${name} ${testFile}: ${firstLine(t.message ?? 'the file did not run')}`);
    }
  }
  console.log(
    `${name}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteErrors} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  );
  passed += r.numPassedTests;
  failed += r.numFailedTests + suiteErrors;
}
for (const line of failures) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
