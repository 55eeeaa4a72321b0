#!/usr/bin/env node
// @ts-check
// `npm run build` (also run by the root `prepare` script on every `npm install` / `npm ci`):
// bundles the edge CLIs (`releve-truck`, `releve-gateway`) with the workspace code they import
// (`@releve/shared`, and `@releve/firmware-sim` for `releve-gateway run --simulate`) into plain
// JavaScript in edge/dist/, so that the agents run on `node` alone, without the tsx loader
// (about 35 MB of RSS on the truck computer). Third-party packages stay external and load from
// node_modules as installed: native modules (better-sqlite3, serialport's bindings, noble) cannot
// be bundled, pino and MQTT.js load files of their own at run time, and bundling zod, yaml and
// commander too (minified) saved ~1 MB of heap but no measurable RSS when tried.
// Code loaded only for some configurations (`await import(…)`) goes to its own chunk.
//
// dist/build-inputs.json lists every source file in the bundle and when the build started:
// the bin shims (bin/launch.js) run dist only while no input is newer, else the sources.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const EDGE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const REPO_ROOT = dirname(EDGE_DIR);

/** The CLIs bundled, by output name. */
export const ENTRY_POINTS = {
  'releve-truck': join(EDGE_DIR, 'src/cli/releve-truck.ts'),
  'releve-gateway': join(EDGE_DIR, 'src/cli/releve-gateway.ts'),
};

/** Bare imports outside the workspaces (`@releve/*`, TypeScript sources) load from node_modules. */
const thirdPartyExternal = {
  name: 'third-party-external',
  /** @param {esbuild.PluginBuild} build */
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@releve/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Builds the bundle into `outdir` (default edge/dist). The output is written to a sibling
 * directory first and renamed into place, so a CLI starting meanwhile sees the old bundle,
 * none (and runs the sources), or the new one — never half of one.
 * @param {{ outdir?: string }} [options]
 * @returns {Promise<{ outdir: string, inputs: string[] }>}
 */
export async function buildEdge(options = {}) {
  const outdir = options.outdir ?? join(EDGE_DIR, 'dist');
  const staging = `${outdir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const startedAt = Date.now();
  const result = await esbuild.build({
    entryPoints: ENTRY_POINTS,
    outdir: staging,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    // Error and class names stay as written: logs and `instanceof`-free checks read them.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [thirdPartyExternal],
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  inputs.push(relative(REPO_ROOT, fileURLToPath(import.meta.url)));
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'build-inputs.json'), `${JSON.stringify({ startedAt, inputs }, null, 2)}\n`);
  rmSync(outdir, { recursive: true, force: true });
  renameSync(staging, outdir);
  return { outdir, inputs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `--outdir DIR` builds elsewhere (the bundle test); the bin shims use edge/dist.
  const at = process.argv.indexOf('--outdir');
  const { outdir, inputs } = await buildEdge(at > 0 ? { outdir: resolve(process.argv[at + 1] ?? '') } : {});
  console.log(
    `edge: ${Object.keys(ENTRY_POINTS).join(', ')} → ${relative(process.cwd(), outdir)} (${inputs.length} sources)`,
  );
}
