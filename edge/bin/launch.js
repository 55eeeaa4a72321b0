// @ts-check
// What the edge bin shims run: the compiled bundle in edge/dist when it is as new as the
// sources it was built from (plain `node`, no TypeScript loader: what the truck computer needs),
// else the TypeScript sources through tsx, so that a developer never runs stale code.
// edge/scripts/build.js writes the bundle and dist/build-inputs.json; `npm install` runs it.
// RELEVE_EDGE_FROM=dist|src forces one (dist: fail rather than fall back to the sources);
// RELEVE_EDGE_DIST=DIR uses another build of the bundle (its test builds one of its own).
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const DIST = process.env.RELEVE_EDGE_DIST
  ? pathToFileURL(`${process.env.RELEVE_EDGE_DIST.replace(/\/$/, '')}/`)
  : new URL('../dist/', import.meta.url);
const REPO_ROOT = new URL('../../', import.meta.url);

/**
 * Why the bundle in `distDir` cannot be run for the `name` CLI, or null when it can: missing,
 * or one of the sources it was built from changed (or vanished) after the build started.
 * @param {URL} distDir
 * @param {string} name
 * @returns {string | null}
 */
function staleReason(distDir, name) {
  /** @type {{ startedAt: number, inputs: string[] }} */
  let info;
  try {
    statSync(new URL(`${name}.js`, distDir));
    info = JSON.parse(readFileSync(new URL('build-inputs.json', distDir), 'utf8'));
  } catch {
    return 'not built';
  }
  for (const input of info.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(new URL(input, REPO_ROOT)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtimeMs > info.startedAt) return `${input} changed after the build`;
  }
  return null;
}

/**
 * Runs the `name` CLI (`releve-truck`, `releve-gateway`) with `argv`.
 * @param {string} name
 * @param {string[]} argv
 */
export async function launch(name, argv) {
  const from = process.env.RELEVE_EDGE_FROM;
  const stale = from === 'src' ? 'RELEVE_EDGE_FROM=src' : staleReason(DIST, name);
  if (stale === null) {
    const { main } = await import(new URL(`${name}.js`, DIST).href);
    await main(argv);
    return;
  }
  if (from === 'dist') {
    process.stderr.write(`${name}: edge/dist cannot be used (${stale}); run npm run build\n`);
    process.exitCode = 1;
    return;
  }
  // In production (the systemd units set NODE_ENV) say why the agent runs on the heavier path.
  if (process.env.NODE_ENV === 'production' && from !== 'src') {
    process.stderr.write(
      `${name}: running the TypeScript sources through tsx, edge/dist is not usable (${stale}); npm run build rebuilds it\n`,
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL(`../src/cli/${name}.ts`, import.meta.url).href);
  await main(argv);
}
