// The compiled bundle (edge/scripts/build.js, run by `npm install`) is what the truck computer
// runs: a bundle that does not start must fail here, not on the truck. The bin shims run it
// only while it is as new as its sources, else the sources through tsx.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ProcessRun, runNodeScript } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EDGE = fileURLToPath(new URL('../../', import.meta.url));
const BIN = { truck: join(EDGE, 'bin/releve-truck.js'), gateway: join(EDGE, 'bin/releve-gateway.js') };
// Beside edge/dist, so that the bundle finds node_modules the way edge/dist does.
const OUT = join(EDGE, `dist-test-${process.pid}`);

/** Runs a script with the test's bundle directory. */
function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runNodeScript(cmd, args, { env: { RELEVE_EDGE_DIST: OUT, ...env } });
}

let dir: string;
let goodConfig: string;

beforeAll(async () => {
  const build = await run(join(EDGE, 'scripts/build.js'), ['--outdir', OUT]);
  expect(build.err).toBe('');
  expect(build.code).toBe(0);
  dir = mkdtempSync(join(tmpdir(), 'releve-bundle-'));
  goodConfig = join(dir, 'truck.json');
  writeFileSync(
    goodConfig,
    JSON.stringify({
      truckId: 'truck-07',
      dataDir: join(dir, 'data'),
      devices: {
        rfid: { protocol: 'em4100', serial: { path: '/dev/ttyUSB0' } },
        indicator: { protocol: 'st-gs', serial: { path: '/dev/ttyUSB1' } },
        lifter: { serial: { path: '/dev/ttyACM0' } },
      },
      capacity: { maxPayloadG: 9_500_000, bodyVolumeL: 20_000 },
      broker: { url: 'mqtt://127.0.0.1:1' },
    }),
  );
}, 60_000);

afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('edge bundle', () => {
  it('releve-truck starts from the bundle alone: --help, check-config', async () => {
    const help = await run(BIN.truck, ['--help'], { RELEVE_EDGE_FROM: 'dist' });
    expect(help.err).toBe('');
    expect(help.out).toContain('check-config');
    const check = await run(BIN.truck, ['check-config', goodConfig], { RELEVE_EDGE_FROM: 'dist' });
    expect(check).toMatchObject({ code: 0, err: '' });
    expect(check.out).toContain('OK (truck truck-07');
  }, 60_000);

  it('releve-gateway starts from the bundle alone: --help, decode', async () => {
    const help = await run(BIN.gateway, ['--help'], { RELEVE_EDGE_FROM: 'dist' });
    expect(help.out).toContain('check-config');
    const altBeacon = '02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509';
    const decoded = await run(BIN.gateway, ['decode', altBeacon], { RELEVE_EDGE_FROM: 'dist' });
    expect(decoded).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(decoded.out).frames[0]).toMatchObject({ type: 'altbeacon' });
  }, 60_000);

  it('the build lists its sources; a source newer than the build sends the shim to the sources', async () => {
    const infoFile = join(OUT, 'build-inputs.json');
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { startedAt: number; inputs: string[] };
    expect(info.inputs).toContain('edge/src/truck/TruckAgent.ts');
    expect(info.inputs).toContain('shared/src/contract/index.ts');
    // Third-party packages load from node_modules as installed, never from the bundle.
    expect(info.inputs.filter((i) => i.includes('node_modules/'))).toEqual([]);
    try {
      // Every source is newer than a build that "started" in 1970.
      writeFileSync(infoFile, JSON.stringify({ ...info, startedAt: 0 }));
      const strict = await run(BIN.truck, ['--help'], { RELEVE_EDGE_FROM: 'dist' });
      expect(strict.code).toBe(1);
      expect(strict.err).toMatch(/edge\/dist cannot be used \(.+ changed after the build\)/);
      const fallback = await run(BIN.truck, ['check-config', goodConfig], { NODE_ENV: 'production' });
      expect(fallback.code).toBe(0);
      expect(fallback.err).toContain('running the TypeScript sources through tsx');
      expect(fallback.out).toContain('OK (truck truck-07');
      writeFileSync(infoFile, JSON.stringify({ ...info, inputs: [...info.inputs, 'edge/src/Removed.ts'] }));
      const gone = await run(BIN.truck, ['--help'], { RELEVE_EDGE_FROM: 'dist' });
      expect(gone.err).toContain('edge/src/Removed.ts is gone');
    } finally {
      writeFileSync(infoFile, JSON.stringify(info));
    }
  }, 60_000);
});
