import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiftEvent, type RouteCommand, TruckStatus } from '@releve/shared';
import type { TagRead, WeightReading } from '@releve/shared/protocols/types';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/outbox/Outbox.js';
import { type AgentClock, CollectionRecorder } from '../../src/truck/CollectionRecorder.js';
import { TruckConfig } from '../../src/truck/TruckConfig.js';

const silent = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-28T07:00:00.000Z');
const dirs: string[] = [];
const outboxes: Outbox[] = [];
afterEach(() => {
  for (const o of outboxes.splice(0)) if (!o.isClosed) o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A clock the test moves by hand. */
function manualClock(wall = T0): AgentClock & { advance(ms: number): void; jump(ms: number): void } {
  let w = wall;
  let m = 0;
  return {
    wall: () => w,
    mono: () => m,
    advance(ms) {
      w += ms;
      m += ms;
    },
    jump(ms) {
      w += ms;
    },
  };
}

function setup(dataDir?: string, statusIntervalS = 30) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'releve-recorder-'));
  if (!dataDir) dirs.push(dir);
  const config = TruckConfig.parse({
    truckId: 'truck-rec',
    dataDir: dir,
    devices: {
      rfid: { protocol: 'em4100', serial: { path: '/dev/null' } },
      indicator: { protocol: 'st-gs', serial: { path: '/dev/null' } },
    },
    capacity: { maxPayloadG: 1_000_000, bodyVolumeL: 20_000 },
    status: { intervalS: statusIntervalS },
    broker: { url: 'mqtt://127.0.0.1:1' },
  });
  const outbox = Outbox.open({ dataDir: dir, deviceId: 'truck-rec', deviceClass: 'trucks', logger: silent });
  outboxes.push(outbox);
  const clock = manualClock();
  const recorder = new CollectionRecorder(config, outbox, clock, silent);
  const stored = () =>
    outbox.peek(10_000).map((e) => ({ kind: e.kind, message: JSON.parse(e.payload.toString()) }));
  return { dir, outbox, clock, recorder, stored };
}

const stable = (weightG: number): WeightReading => ({
  status: 'stable',
  mode: 'gross',
  weightG,
  resolutionG: 500,
});

function lift(
  r: CollectionRecorder,
  clock: ReturnType<typeof manualClock>,
  tag: TagRead | null,
  gross: number,
  tare: number,
) {
  r.lifter('hooked');
  clock.advance(100);
  if (tag) r.tag(tag);
  r.weight(stable(gross));
  clock.advance(1000);
  r.lifter('tipped');
  clock.advance(1000);
  r.lifter('returned');
  r.weight(stable(tare));
  clock.advance(1000);
  r.lifter('released');
  clock.advance(1000);
}

const route = (version: number, routeId = 'r1'): RouteCommand => ({
  version,
  issuedAt: '2026-11-28T05:00:00.000Z',
  routeId,
  date: '2026-11-28',
  stops: [
    { order: 1, tagId: '0000000001', volumeL: 240, expectedWeightG: 400_000 },
    { order: 2, tagId: '0000000002', volumeL: 240, expectedWeightG: 400_000 },
    { order: 3, tagId: '0000000003', volumeL: 240, expectedWeightG: 400_000 },
  ],
});

describe('CollectionRecorder', () => {
  it('books lifts and a status per change into the outbox, all contract-valid', () => {
    const { recorder, clock, stored } = setup();
    lift(recorder, clock, { scheme: 'em4100', id: '0000000001' }, 60_000, 14_000);
    const events = stored();
    expect(events.map((e) => e.kind)).toEqual(['lift', 'truckStatus']);
    expect(LiftEvent.parse(events[0]?.message)).toMatchObject({ netWeightG: 46_000, tripSeq: 1, flags: [] });
    expect(TruckStatus.parse(events[1]?.message)).toMatchObject({
      liftsThisTrip: 1,
      payloadG: 46_000,
      outboxBacklog: 1,
    });
  });

  it('books a status every interval even without change', () => {
    const { recorder, clock, stored } = setup(undefined, 5);
    recorder.tick();
    clock.advance(4000);
    recorder.tick();
    clock.advance(1000);
    recorder.tick();
    expect(stored().filter((e) => e.kind === 'truckStatus')).toHaveLength(2);
  });

  it('keeps the trip, payload and route progress across a restart', () => {
    const a = setup();
    a.recorder.route(route(1));
    lift(a.recorder, a.clock, { scheme: 'em4100', id: '0000000001' }, 414_000, 14_000);
    a.recorder.unloaded('tailgate raised');
    lift(a.recorder, a.clock, { scheme: 'em4100', id: '0000000002' }, 114_000, 14_000);
    a.outbox.close();
    const b = setup(a.dir);
    expect(b.recorder.advisor.snapshot()).toMatchObject({ tripSeq: 2, liftsThisTrip: 1, payloadG: 100_000 });
    expect(b.recorder.advisor.nextStops().map((s) => s.order)).toEqual([3]);
    lift(b.recorder, b.clock, { scheme: 'em4100', id: '0000000003' }, 20_000, 14_000);
    const last = b
      .stored()
      .filter((e) => e.kind === 'lift')
      .at(-1);
    expect(last?.message.tripSeq).toBe(2);
    b.outbox.close();
  });

  it('takes only newer route and config commands, and applies the config overrides', () => {
    const { recorder } = setup();
    recorder.route(route(2, 'new'));
    recorder.route(route(1, 'old'));
    expect(recorder.advisor.nextStops()).toHaveLength(3);
    expect(recorder.advisor.tripState.routeId).toBe('new');
    recorder.configure({
      version: 3,
      issuedAt: '2026-11-28T05:00:00.000Z',
      maxPayloadG: 2_000_000,
      minimumG: 1000,
    });
    recorder.configure({ version: 2, issuedAt: '2026-11-28T05:00:00.000Z', maxPayloadG: 5 });
    expect(recorder.status().maxPayloadG).toBe(2_000_000);
  });

  it('flags lifts clock-unsynced across a clock jump and while the clock is implausible', () => {
    const { recorder, clock, stored } = setup();
    recorder.lifter('hooked');
    clock.advance(100);
    recorder.tag({ scheme: 'em4100', id: '0000000001' });
    clock.jump(3_600_000);
    recorder.weight(stable(40_000));
    recorder.lifter('tipped');
    recorder.lifter('returned');
    recorder.weight(stable(14_000));
    recorder.lifter('released');
    expect(stored().find((e) => e.kind === 'lift')?.message.flags).toEqual(['clock-unsynced']);
    expect(recorder.health().clockJumps).toBe(1);
  });

  it('ignores a corrupt trip file and starts trip 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'releve-recorder-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'trip.json'), '{"tripSeq": "x"');
    const { recorder, outbox } = setup(dir);
    expect(recorder.advisor.snapshot().tripSeq).toBe(1);
    outbox.close();
  });
});
