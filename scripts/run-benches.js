#!/usr/bin/env node
// `npm run bench`: every `bench:<name>` script of package.json in turn, each printing its
// figures; a failing one is reported and the others still run. `npm run bench -- billing ingest`
// runs only those.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
const wanted = process.argv.slice(2);
const names = Object.keys(scripts)
  .filter((s) => s.startsWith('bench:'))
  .map((s) => s.slice('bench:'.length))
  .filter((n) => wanted.length === 0 || wanted.includes(n));
const failed = [];
for (const name of names) {
  console.log(`\n=== bench:${name} ===`);
  const r = spawnSync('npm', ['run', '--silent', `bench:${name}`], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
console.log(`\n${names.length - failed.length} benchmarks ran${failed.length ? `, failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
