import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@releve/firmware-sim/beacons/index';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decodeHexToJson } from '../../src/cli/releve-gateway.js';
import { BeaconTracker } from '../../src/gateway/BeaconTracker.js';
import { logDistanceM, proximityZone } from '../../src/gateway/distance.js';
import { checkGatewayConfig } from '../../src/gateway/GatewayConfig.js';
import { RssiFilter } from '../../src/gateway/RssiFilter.js';
import { judgeTlm } from '../../src/gateway/TlmMonitor.js';

describe('TLM counters (TlmMonitor)', () => {
  const at = (s: number) => s * 1000;
  it('normal progress gives the real advertising rate ΔADV_CNT / ΔSEC_CNT', () => {
    const v = judgeTlm(
      { advCount: 1000, secCount: 10_000, atMs: at(0) },
      { advCount: 1600, secCount: 10_600, atMs: at(60) },
    );
    expect(v).toEqual({ kind: 'normal', advRateHz: 10 });
  });
  it('both counters back, uptime within the elapsed time: a reboot', () => {
    const v = judgeTlm(
      { advCount: 50_000, secCount: 90_000, atMs: at(0) },
      { advCount: 30, secCount: 40, atMs: at(10) },
    );
    expect(v.kind).toBe('reboot');
  });
  it('a reboot after a long gap still reads as a reboot (uptime shorter than the gap)', () => {
    const v = judgeTlm(
      { advCount: 100, secCount: 1000, atMs: at(0) },
      { advCount: 3000, secCount: 3000, atMs: at(3600) },
    );
    expect(v.kind).toBe('reboot');
  });
  it('uptime running ahead of wall time, or back without a reboot: an anomaly', () => {
    expect(
      judgeTlm({ advCount: 10, secCount: 100, atMs: at(0) }, { advCount: 20, secCount: 5000, atMs: at(1) })
        .kind,
    ).toBe('anomaly');
    expect(
      judgeTlm(
        { advCount: 5000, secCount: 50_000, atMs: at(0) },
        { advCount: 4000, secCount: 40_000, atMs: at(1) },
      ).kind,
    ).toBe('anomaly');
    // SEC_CNT reset alone: counters must reset together.
    expect(
      judgeTlm({ advCount: 500, secCount: 5000, atMs: at(0) }, { advCount: 510, secCount: 5, atMs: at(1) })
        .kind,
    ).toBe('anomaly');
  });
  it('a healthy beacon with a clock 2 % off is never flagged', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.98, max: 1.02, noNaN: true }),
        fc.integer({ min: 1, max: 3600 }),
        (drift, gapS) => {
          const prev = { advCount: 1000, secCount: 100_000, atMs: 0 };
          const next = {
            advCount: 1000 + gapS,
            secCount: 100_000 + Math.floor(gapS * 10 * drift),
            atMs: gapS * 1000,
          };
          expect(judgeTlm(prev, next).kind).toBe('normal');
        },
      ),
    );
  });
});

describe('RSSI Kalman filter', () => {
  it('converges on the true level and is much steadier than the readings', () => {
    const random = seededRandom(4);
    const f = new RssiFilter({ processNoiseDb2PerS: 0.5, measurementNoiseDb2: 16 });
    const gauss = () =>
      Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
    const estimates: number[] = [];
    for (let i = 0; i < 600; i++) estimates.push(f.update(Math.round(-70 + 4 * gauss()), i * 1000));
    const tail = estimates.slice(100);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    const sd = Math.sqrt(tail.reduce((a, b) => a + (b - mean) ** 2, 0) / tail.length);
    expect(Math.abs(mean + 70)).toBeLessThan(1);
    expect(sd).toBeLessThan(1.5);
  });
  it('follows a real step (the beacon was moved) within a few tens of readings', () => {
    const f = new RssiFilter({ processNoiseDb2PerS: 0.5, measurementNoiseDb2: 16 });
    for (let i = 0; i < 100; i++) f.update(-60, i * 1000);
    let n = 0;
    while ((f.value ?? 0) > -75 && n < 200) f.update(-80, (100 + n++) * 1000);
    expect(n).toBeLessThan(40);
  });
});

describe('distance and zones', () => {
  it('log-distance: at P1m the distance is 1 m; 27 dB lower is 10 m with n = 2.7', () => {
    expect(logDistanceM(-59, -59, 2.7)).toBeCloseTo(1, 6);
    expect(logDistanceM(-59, -86, 2.7)).toBeCloseTo(10, 6);
    expect(proximityZone(0.3, { immediateM: 0.5, nearM: 4 })).toBe('immediate');
    expect(proximityZone(0.5, { immediateM: 0.5, nearM: 4 })).toBe('near');
    expect(proximityZone(4, { immediateM: 0.5, nearM: 4 })).toBe('far');
  });
});

describe('gateway configuration', () => {
  it('fills defaults from the schema', () => {
    const r = checkGatewayConfig({
      gatewayId: 'gw-1',
      dataDir: '/var/lib/x',
      broker: { url: 'mqtts://b:8883' },
    });
    expect(r.ok && r.config).toMatchObject({
      batchIntervalS: 10,
      pathLossExponent: 2.7,
      stallAfterS: 60,
      footfall: { enabled: false, k: 5, windowS: 300 },
      scanner: { purgeAfterS: 60, maxTracked: 20_000 },
    });
  });
  it('reports every problem at once', () => {
    const r = checkGatewayConfig({
      gatewayId: 'GW 1',
      dataDir: '',
      broker: { url: 'http://x' },
      pathLossExponent: 9,
      footfall: { enabled: true, k: 1, windowS: 900 },
      zones: { immediateM: 5, nearM: 4 },
    });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    for (const where of [
      'gatewayId',
      'dataDir',
      'broker.url',
      'pathLossExponent',
      'footfall.k',
      'footfall.windowS',
      'zones',
    ]) {
      expect(problems.some((p) => p.startsWith(where))).toBe(true);
    }
  });

  it('reports every unknown key (a typo) with the other problems, at every depth', () => {
    const r = checkGatewayConfig({
      gatewayId: 'gw-1',
      dataDir: '/var/lib/x',
      broker: { url: 'mqtts://b:8883', passwordenv: 'GW_PASSWORD' },
      batchIntervalS: 0,
      batchIntervalSec: 5,
      footfall: { enable: true },
      scanner: { maxTracked: 1000, purgeAfter: 30 },
    });
    expect(r.ok ? [] : r.problems).toEqual([
      'broker: Unrecognized key: "passwordenv"',
      'scanner: Unrecognized key: "purgeAfter"',
      'batchIntervalS: Too small: expected number to be >=1',
      'footfall: Unrecognized key: "enable"',
      '(root): Unrecognized key: "batchIntervalSec"',
    ]);
  });
});

describe('deploy/gateway', () => {
  const deploy = join(import.meta.dirname, '../../../deploy/gateway');
  it('the example config passes the schema; the unit checks it, runs it, keeps its dataDir, grants CAP_NET_RAW', () => {
    const example = parseYaml(readFileSync(join(deploy, 'gateway.example.yaml'), 'utf8')) as {
      dataDir: string;
    };
    const r = checkGatewayConfig(example, {});
    expect(r.ok ? [] : r.problems).toEqual([]);
    const unit = readFileSync(join(deploy, 'releve-gateway.service'), 'utf8');
    const bin = '/opt/releve/edge/bin/releve-gateway.js';
    expect(unit).toContain(`\nExecStartPre=${bin} check-config /etc/releve/gateway.yaml\n`);
    expect(unit).toContain(`\nExecStart=${bin} run --config /etc/releve/gateway.yaml\n`);
    expect(unit).toMatch(/^AmbientCapabilities=.*\bCAP_NET_RAW\b/m);
    expect(example.dataDir).toBe(`/var/lib/${/^StateDirectory=(\S+)$/m.exec(unit)?.[1]}`);
  });
});

describe('releve-gateway CLI', () => {
  const bin = join(import.meta.dirname, '../../bin/releve-gateway.js');
  it('decode: raw AD structures to frames as JSON, errors with a non-zero exit', () => {
    const ok = spawnSync(bin, ['decode', '02011a1bff1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509'], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).frames[0]).toMatchObject({ type: 'altbeacon', referenceRssiDbm: -59 });
    const bad = decodeHexToJson('0303AAFE 0716AAFE1000037F');
    expect(bad.ok).toBe(false);
    expect(JSON.parse(bad.json).errors[0].code).toBe('reserved-url-code');
  }, 60_000);
  it('check-config: OK for a good file, every problem listed for a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'releve-gw-cfg-'));
    try {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'gatewayId: gw-1\ndataDir: ./state\nbroker:\n  url: mqtt://127.0.0.1:1884\n');
      const r1 = spawnSync(bin, ['check-config', good], { encoding: 'utf8' });
      expect(r1.status).toBe(0);
      expect(r1.stdout).toContain('OK (gateway gw-1');
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'gatewayId: gw-1\nbroker:\n  url: x\nbatchIntervalS: 0\n');
      const r2 = spawnSync(bin, ['check-config', bad], { encoding: 'utf8' });
      expect(r2.status).toBe(1);
      for (const where of ['dataDir', 'broker.url', 'batchIntervalS']) expect(r2.stderr).toContain(where);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('TLM history of one beacon (BeaconTracker)', () => {
  const settings = {
    rssiFilter: { processNoiseDb2PerS: 0.5, measurementNoiseDb2: 16 },
    pathLossExponent: 2.7,
    zones: { immediateM: 0.5, nearM: 4 },
  };
  const entry = {
    beaconId: 'eddystone:8b0ca750095477cb3e77:000000000002',
    address: null,
    name: 'x',
    lat: 0,
    lon: 0,
  };
  const tlm = (advCount: number, secCount: number) => ({
    type: 'eddystone-tlm' as const,
    batteryMv: 3000,
    temperatureC: 20,
    advCount,
    secCount,
    uptimeS: secCount / 10,
  });

  it('one beacon with random gaps, clock drift and reboots is never taken for a clone', () => {
    const step = fc.record({
      gapS: fc.integer({ min: 1, max: 900 }),
      rebootAt: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 8 }),
    });
    fc.assert(
      fc.property(
        fc.double({ min: 0.98, max: 1.02, noNaN: true }),
        fc.array(step, { minLength: 2, maxLength: 60 }),
        (drift, steps) => {
          const t = new BeaconTracker(entry, settings);
          let wallS = 0;
          let bootS = -1000;
          for (const s of steps) {
            if (s.rebootAt !== null) bootS = wallS + s.rebootAt * s.gapS;
            wallS += s.gapS;
            const upS = (wallS - bootS) * drift;
            const v = t.telemetry(tlm(Math.floor(upS), Math.floor(upS * 10)), wallS * 1000);
            expect(v.kind).not.toBe('anomaly');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('two transmitters with the same id are flagged whatever their uptimes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 60, max: 100_000 }),
        (upA, delta) => {
          const t = new BeaconTracker(entry, settings);
          const verdicts: string[] = [];
          for (let i = 0; i < 8; i++) {
            const wallS = i * 10;
            const up = (i % 2 === 0 ? upA : upA + delta) + wallS;
            verdicts.push(t.telemetry(tlm(up, up * 10), wallS * 1000).kind);
          }
          expect(verdicts).toContain('anomaly');
        },
      ),
      { numRuns: 300 },
    );
  });
});
