import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EdgeError } from '../../src/errors.js';
import { checkTruckConfig, loadTruckConfig, minimumOf } from '../../src/truck/TruckConfig.js';

const EXAMPLE = new URL('../../../deploy/truck/truck.example.yaml', import.meta.url);
const PROTOCOLS = { rfid: ['em4100', 'fdxb-binary'], indicator: ['st-gs', 'toledo', 'mt-sics'] };

const minimal = () => ({
  truckId: 'truck-07',
  dataDir: '/var/lib/releve-truck',
  devices: {
    rfid: { protocol: 'em4100', serial: { path: '/dev/ttyUSB0' } },
    indicator: { protocol: 'st-gs', serial: { path: '/dev/ttyUSB1' } },
  },
  capacity: { maxPayloadG: 9_500_000, bodyVolumeL: 20_000 },
  broker: { url: 'mqtt://127.0.0.1:1884' },
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TruckConfig', () => {
  it('fills every default from the schema', () => {
    const r = checkTruckConfig(minimal(), { protocols: PROTOCOLS });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.devices.rfid.serial).toMatchObject({
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    expect(r.config.devices.indicator.pollIntervalMs).toBe(200);
    expect(r.config.thresholds).toMatchObject({ tagGraceMs: 3000, unloadMarginG: 500_000 });
    expect(r.config.status.intervalS).toBe(30);
    expect(minimumOf(r.config)).toBe(5000);
  });

  it('accepts the example shipped in deploy/truck', () => {
    const raw = parseYaml(readExample());
    const r = checkTruckConfig(raw, { protocols: PROTOCOLS, env: {} });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.devices.lifter?.board).toMatchObject({
      clamp: { pin: 2 },
      armTop: { pin: 3 },
      debounceMs: 30,
    });
  });

  it('reports every problem at once', () => {
    const bad = minimal() as Record<string, unknown>;
    bad.truckId = 'Truck 7';
    (bad.capacity as Record<string, unknown>).maxPayloadG = -1;
    (bad.broker as Record<string, unknown>).url = 'http://x';
    const r = checkTruckConfig(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.split(':')[0])).toEqual(['truckId', 'capacity.maxPayloadG', 'broker.url']);
  });

  it('reports every unknown key (a typo) with the other problems, at every depth', () => {
    const raw = minimal() as Record<string, unknown>;
    raw.capacity = { maxPayloadG: -1, bodyVolumeL: 20_000 };
    raw.dataDr = '/var/lib/typo';
    raw.broker = { url: 'mqtt://127.0.0.1:1884', passwordFlie: '/etc/releve/pw', tls: { ca: 'a', cer: 'b' } };
    raw.devices = {
      ...(raw.devices as object),
      rfid: { protocol: 'em4100', serial: { path: '/dev/ttyUSB0', baudrate: 19200 } },
      lifter: {
        serial: { path: '/dev/ttyACM0' },
        board: { clamp: { pin: 5, activelow: true }, debounce: 5 },
      },
    };
    raw.thresholds = { unloadMarginKg: 500 };
    const r = checkTruckConfig(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'capacity.maxPayloadG: Too small: expected number to be >0',
        '(root): Unrecognized key: "dataDr"',
        'broker: Unrecognized key: "passwordFlie"',
        'broker.tls: Unrecognized key: "cer"',
        'devices.rfid.serial: Unrecognized key: "baudrate"',
        'devices.lifter.board.clamp: Unrecognized key: "activelow"',
        'devices.lifter.board: Unrecognized key: "debounce"',
        'thresholds: Unrecognized key: "unloadMarginKg"',
      ]),
    );
    expect(r.problems).toHaveLength(8);
  });

  it('reports unknown protocols, inconsistent thresholds, missing secrets and unreadable files together', () => {
    const raw = minimal();
    raw.devices.rfid.protocol = 'wiegand';
    const withBad = {
      ...raw,
      thresholds: { unloadFullAbove: 0.1, unloadEmptyBelow: 0.1 },
      broker: { url: 'mqtts://b:8883', passwordEnv: 'RELEVE_TRUCK_PASSWORD', tls: { ca: 'missing-ca.pem' } },
    };
    const dir = mkdtempSync(join(tmpdir(), 'releve-cfg-'));
    dirs.push(dir);
    const r = checkTruckConfig(withBad, { protocols: PROTOCOLS, checkFiles: true, baseDir: dir, env: {} });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(4);
    expect(r.problems[0]).toMatch(/^devices\.rfid\.protocol: unknown "wiegand"/);
    expect(r.problems[3]).toContain(join(dir, 'missing-ca.pem'));
  });

  it('loads YAML and JSON files, resolving paths against the file, and throws EdgeError with every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'releve-cfg-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'pw'), 'secret\n');
    const cfg = { ...minimal(), dataDir: 'data', broker: { url: 'mqtt://h:1', passwordFile: 'pw' } };
    writeFileSync(join(dir, 'truck.json'), JSON.stringify(cfg));
    const loaded = loadTruckConfig(join(dir, 'truck.json'), { checkFiles: true });
    expect(loaded.dataDir).toBe(join(dir, 'data'));
    expect(loaded.broker.passwordFile).toBe(join(dir, 'pw'));
    writeFileSync(join(dir, 'bad.yaml'), 'truckId: 7\ndataDir: ""\n');
    let err: unknown;
    try {
      loadTruckConfig(join(dir, 'bad.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe('config');
    expect((err as EdgeError).message).toMatch(
      /truckId[\s\S]*dataDir[\s\S]*devices[\s\S]*capacity[\s\S]*broker/,
    );
  });
});

function readExample(): string {
  return readFileSync(EXAMPLE, 'utf8');
}
