import { TRUCK_PROTOCOLS } from '@releve/edge/cli/releve-truck';
import { checkTruckConfig } from '@releve/edge/truck/TruckConfig';
import { describe, expect, it } from 'vitest';
import { demoFleet } from '../../src/demo/DemoFleet.js';
import { truckAgentConfig } from '../../src/demo/SimulatedTruckRig.js';

describe("the demo's truck agent configuration", () => {
  it.each([1, 60])('passes the strict truck schema (no unknown key) at speed %i', (speed) => {
    for (const truck of demoFleet({ binsPerRoute: 10, date: '2026-11-28' }).trucks) {
      const cfg = truckAgentConfig({
        truck,
        ttys: { rfid: '/tmp/rfid', indicator: '/tmp/ind', lifter: '/tmp/lifter', gps: '/tmp/gps' },
        dataDir: '/tmp/data',
        brokerUrl: 'mqtt://127.0.0.1:1884',
        passwordFile: '/tmp/password',
        speed,
        cabPort: 0,
      });
      const r = checkTruckConfig(cfg, { protocols: TRUCK_PROTOCOLS, env: {} });
      expect(r.ok ? [] : r.problems).toEqual([]);
    }
  });
});
