import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/outbox/Outbox.js';
import { planIndexOfLift } from '../outbox/drafts.js';
import { type BrokerUnderTest, brokerBackends } from '../fixtures/broker-backends.js';
import { EventCollector } from './fixtures/collector.js';
import { DeviceProcess } from './fixtures/spawn-device.js';

const TRUCK = 'truck-kill';
const PLAN_SIZE = 600;
const KILLS = 25;

/** Small seeded PRNG (mulberry32) so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Power-cut test of the whole device path: a real device process (outbox + link) works through a
 * deterministic plan of lifts and is killed with SIGKILL at random instants — while enqueueing,
 * committing, publishing, waiting for PUBACKs or writing acks — and restarted each time.
 *
 * Proving "zero lost" honestly: the plan fixes the events (planned lift i carries tag i), and
 * the outbox numbers them (planned lift i is seq i + 1, see `device-process.ts`). So the
 * cloud-side subscriber must end with exactly PLAN_SIZE distinct ids whose sequence numbers are
 * 1…PLAN_SIZE with no gap, each carrying its own plan index. A lost event is a missing number; a
 * planned lift committed twice would show as two ids for one plan index.
 */
for (const backend of await brokerBackends()) {
  describe.skipIf(!backend.available)(`outbox + link under kill -9 (${backend.name})`, () => {
    let broker: BrokerUnderTest;
    let dir: string;
    let sub: EventCollector;

    beforeAll(async () => {
      broker = await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'releve-kill-'));
      // The broker stays up and the subscriber connected: a clean session is all it needs.
      sub = await EventCollector.connect(broker.url, `releve/v1/trucks/${TRUCK}/lifts`, { clean: true });
    });
    afterAll(async () => {
      await sub?.close();
      await broker?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`loses nothing over ${KILLS} SIGKILLs at random instants (${PLAN_SIZE} events)`, async () => {
      const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
      const random = prng(seed);
      const env = { DATA_DIR: dir, BROKER_URL: broker.url, DEVICE_ID: TRUCK, PLAN_SIZE: String(PLAN_SIZE) };
      const progress: number[] = [];

      for (let k = 0; k < KILLS; k++) {
        const device = DeviceProcess.start({ ...env, PACE_MS: '40' });
        // Most kills land after start-up, while the plan runs; some during start-up itself.
        if (random() < 0.8) await device.waitEvent('ready');
        await new Promise((r) => setTimeout(r, Math.floor(random() * 700)));
        await device.signal('SIGKILL');
        const outbox = Outbox.open({
          dataDir: dir,
          deviceId: TRUCK,
          deviceClass: 'trucks',
          logger: pino({ level: 'silent' }),
        });
        progress.push(outbox.lastSeq());
        outbox.close();
      }

      // The last run is left alone: it finishes the plan and drains, then stops cleanly.
      const last = DeviceProcess.start({ ...env, PACE_MS: '5' });
      await last.waitEvent('drained', 180_000);
      expect(await last.signal('SIGTERM')).toBe(0);
      await waitFor(() => sub.unique >= PLAN_SIZE, 60_000, 'every planned lift at the subscriber');

      const killedMidPlan = progress.filter((p) => p < PLAN_SIZE).length;
      console.log(
        `kill -9 test on ${backend.name} (seed ${seed}): ${KILLS} kills, ${killedMidPlan} while the plan was running; ` +
          `progress at each kill ${progress.join(',')}; ${sub.deliveries.length} deliveries, ` +
          `${sub.unique} distinct, ${sub.duplicates} duplicates`,
      );
      expect(killedMidPlan).toBeGreaterThanOrEqual(20);
      // Progress across kills never goes back: a committed event is never un-committed.
      for (let k = 1; k < progress.length; k++)
        expect(progress[k]).toBeGreaterThanOrEqual(progress[k - 1] ?? 0);

      expect(sub.unique).toBe(PLAN_SIZE);
      const bySeq = new Map(sub.firsts.map((d) => [d.seq, d]));
      for (let seq = 1; seq <= PLAN_SIZE; seq++) {
        const d = bySeq.get(seq);
        expect(d, `seq ${seq} received`).toBeDefined();
        expect(planIndexOfLift(d?.message as { tag: { id: string } })).toBe(seq - 1);
      }
      // First copies arrive in sequence order: a re-send never overtakes a first send.
      const firstSeqs = sub.firsts.map((d) => d.seq);
      expect(firstSeqs).toEqual([...firstSeqs].sort((a, b) => a - b));
      // Every duplicate is a copy of an event already delivered, never a different event.
      for (const d of sub.deliveries) expect(bySeq.get(d.seq)?.id).toBe(d.id);

      const outbox = Outbox.open({
        dataDir: dir,
        deviceId: TRUCK,
        deviceClass: 'trucks',
        logger: pino({ level: 'silent' }),
      });
      expect(outbox.stats()).toMatchObject({ backlog: 0, lastSeq: PLAN_SIZE, dropped: 0 });
      outbox.close();
    }, 400_000);
  });
}
