import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { waitFor } from '@releve/shared/testing/index';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BeaconFleet } from '../../src/beacons/BeaconFleet.js';
import { FleetWatch } from '../../src/beacons/FleetWatch.js';
import { Store } from '../../src/store/Store.js';

const BEACON = 'eddystone:8b0ca750095477cb3e77:000000000001';

describe('fleet watch (the periodic evaluation)', () => {
  let dir = '';
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(): Store {
    dir = mkdtempSync(join(tmpdir(), 'releve-watch-'));
    store = Store.open({ dataDir: dir, synchronous: 'normal', logger: pino({ level: 'silent' }) });
    return store;
  }

  it('evaluates at start and on every tick, raising an alert once per change, and stops its timer', async () => {
    const s = open();
    s.db.exec(`INSERT INTO beacons (beacon_id, name, lat, lon) VALUES ('${BEACON}', 'Fournil', 43.65, 3.54)`);
    // registered just now (by the trigger), never heard: silent once 15 minutes have passed
    const registered = Date.parse(s.db.prepare('SELECT registered_at FROM beacons').pluck().get() as string);
    expect(Math.abs(registered - Date.now())).toBeLessThan(60_000);
    let now = new Date(registered + 60_000);
    const watch = new FleetWatch(new BeaconFleet(s.db), 20, pino({ level: 'silent' }), () => now);
    await watch.start();
    expect(s.db.prepare('SELECT status FROM fleet_status').pluck().all()).toEqual(['ok']);
    now = new Date(registered + 20 * 60_000);
    await waitFor(
      () => (s.db.prepare('SELECT count(*) FROM fleet_alerts').pluck().get() as number) > 0,
      10_000,
      'the silent alert',
    );
    await new Promise((r) => setTimeout(r, 100)); // several more ticks, no new change
    await watch.stop();
    const alerts = s.db.prepare('SELECT kind, from_status, to_status FROM fleet_alerts').all();
    expect(alerts).toEqual([{ kind: 'beacon-silent', from_status: 'ok', to_status: 'silent' }]);
    expect(s.db.prepare('SELECT status, since FROM fleet_status').get()).toMatchObject({ status: 'silent' });
  });

  it('logs a failed evaluation and carries on', async () => {
    const s = open();
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const watch = new FleetWatch(new BeaconFleet(s.db), 60_000, logger);
    s.db.exec('DROP TABLE fleet_alerts');
    s.db.exec(`INSERT INTO beacons (beacon_id, name, lat, lon) VALUES ('${BEACON}', 'Fournil', 43.65, 3.54)`);
    s.db.exec(`UPDATE beacons SET registered_at = '2020-01-01T00:00:00.000Z'`);
    expect(watch.tick()).toBe(0);
    expect(lines.join('')).toContain('fleet evaluation failed');
    await watch.stop();
  });
});
