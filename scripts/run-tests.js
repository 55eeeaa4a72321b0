#!/usr/bin/env node
// The one test command (`npm test`, also what `.ci/run` calls): type check, lint, then every
// vitest suite. It ends with one plain line `N passed, N failed[, N skipped]` counted from
// vitest's JSON reporter, with the type check and the lint counted as one check each.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const extraArgs = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

function step(name, cmd, args) {
  console.log(`\n▶ ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status === 0) passed += 1;
  else {
    failed += 1;
    console.log(`✖ ${name} failed (exit ${r.status ?? r.signal})`);
  }
}

if (extraArgs.length === 0) {
  step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  step('lint', 'npx', ['biome', 'lint', '--diagnostic-level=error', '.']);
}

const report = '.vitest-report.json';
rmSync(report, { force: true });
console.log('\n▶ vitest');
const v = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
  {
    stdio: 'inherit',
  },
);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A suite that fails to load (syntax error, failed import, a required service missing under CI)
  // has no test results: count it as a failure so it cannot pass silently.
  for (const suite of r.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.length === 0) failed += 1;
  }
} else {
  failed += 1;
  console.log(`✖ vitest wrote no report (exit ${v.status ?? v.signal})`);
}
if (v.status !== 0 && failed === 0) failed += 1;

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
