import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMessage, topicFor } from '@releve/shared';
import { waitFor } from '@releve/shared/testing/index';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { Ingest } from '../../src/ingest/Ingest.js';
import { Store } from '../../src/store/Store.js';
import type { BrokerUnderTest } from './fixtures/brokers.js';
import { liftEvent, runId, seedRegistry } from './fixtures/devices.js';

const CHILD = fileURLToPath(new URL('./fixtures/ingestChild.ts', import.meta.url));

/** Starts the ingest as a child process and resolves once it is subscribed. */
async function startIngestProcess(url: string, dataDir: string, clientId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, dataDir, clientId], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('ingest process not ready in 30 s')), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ingest process exited with ${code} before ready`));
    });
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/**
 * The crash contract: the ingest process is killed with SIGKILL in the middle of a stream of
 * QoS 1 lifts from a persistent-session publisher; after a restart every lift is stored
 * exactly once. Run against every broker.
 */
export function ingestCrashContract(brokerFactory: () => Promise<BrokerUnderTest | null>): void {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('stores every lift exactly once across a kill -9 of the ingest process', async () => {
    const broker = await brokerFactory();
    if (!broker) throw new Error('broker unavailable');
    cleanups.push(() => broker.stop());
    const run = runId();
    const dir = mkdtempSync(join(tmpdir(), 'releve-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const truck = `crash-${run}`;
    const ingestId = `ingest-crash-${run}`;
    const store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }) });
    cleanups.push(() => store.close());
    seedRegistry(store, [truck]);
    const count = () => store.reads.count('lifts');

    let child = await startIngestProcess(broker.url, dir, ingestId);
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await killed(child);
      for (const id of [ingestId, `pub-${run}`]) {
        const c = await mqtt.connectAsync(broker.url, { clientId: id, clean: true, reconnectPeriod: 0 });
        await c.endAsync();
      }
    });
    const publisher = await mqtt.connectAsync(broker.url, {
      clientId: `pub-${run}`,
      clean: false,
      protocolVersion: 4,
    });
    cleanups.push(() => publisher.endAsync());

    // Mosquitto queues at most max_queued_messages for the offline ingest session.
    const total = Number.isFinite(broker.offlineQueueLimit)
      ? Math.floor(broker.offlineQueueLimit * 0.8)
      : 3000;
    const lifts = Array.from({ length: total }, (_, i) => liftEvent(truck, i + 1));
    const chunk = 50;
    let storedAtKill = -1;
    for (let i = 0; i < total; i += chunk) {
      await Promise.all(
        lifts
          .slice(i, i + chunk)
          .map((l) => publisher.publishAsync(topicFor('lift', truck), encodeMessage('lift', l), { qos: 1 })),
      );
      if (storedAtKill < 0 && count() >= total / 4) {
        storedAtKill = count();
        child.kill('SIGKILL');
        await killed(child);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (storedAtKill < 0) {
      // The ingest lagged behind the whole stream: kill it now, still mid-way through storing.
      await waitFor(() => count() >= total / 4, 30_000, 'a quarter stored');
      storedAtKill = count();
      child.kill('SIGKILL');
      await killed(child);
    }
    expect(storedAtKill).toBeGreaterThan(0);
    expect(storedAtKill).toBeLessThan(total);

    child = await startIngestProcess(broker.url, dir, ingestId);
    await waitFor(() => count() >= total, 60_000, `${total} lifts stored`);
    // Give late redeliveries time to arrive: they must be deduplicated, never stored twice.
    await new Promise((r) => setTimeout(r, 500));
    const ids = store.db
      .prepare('SELECT event_id FROM lifts WHERE truck_id = ?')
      .pluck()
      .all(truck) as string[];
    expect(ids.length).toBe(total);
    expect(new Set(ids)).toEqual(new Set(lifts.map((l) => l.id)));
    expect(store.reads.sequenceGaps(truck)).toEqual([]);
  }, 180_000);

  it('stores every lift exactly once when the ingest is stopped mid-stream and started again', async () => {
    const broker = await brokerFactory();
    if (!broker) throw new Error('broker unavailable');
    cleanups.push(() => broker.stop());
    const run = runId();
    const dir = mkdtempSync(join(tmpdir(), 'releve-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const truck = `restart-${run}`;
    const clientId = `ingest-restart-${run}`;
    const store = Store.open({ dataDir: dir, logger: pino({ level: 'silent' }) });
    cleanups.push(() => store.close());
    seedRegistry(store, [truck]);
    const startIngest = async () => {
      const ingest = new Ingest({ url: broker.url, clientId, store, logger: pino({ level: 'silent' }) });
      await ingest.start();
      return ingest;
    };
    let ingest = await startIngest();
    cleanups.push(async () => {
      await ingest.stop();
      for (const id of [clientId, `pub-${run}`]) {
        const c = await mqtt.connectAsync(broker.url, { clientId: id, clean: true, reconnectPeriod: 0 });
        await c.endAsync();
      }
    });
    const publisher = await mqtt.connectAsync(broker.url, {
      clientId: `pub-${run}`,
      clean: false,
      protocolVersion: 4,
    });
    cleanups.push(() => publisher.endAsync());
    const total = Number.isFinite(broker.offlineQueueLimit)
      ? Math.floor(broker.offlineQueueLimit * 0.8)
      : 2000;
    const lifts = Array.from({ length: total }, (_, i) => liftEvent(truck, i + 1));
    let stoppedAt = -1;
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        lifts
          .slice(i, i + 50)
          .map((l) => publisher.publishAsync(topicFor('lift', truck), encodeMessage('lift', l), { qos: 1 })),
      );
      if (stoppedAt < 0 && i + 50 >= total / 2) {
        // On a slow machine the ingest may lag the publisher: hold the second half back
        // until a quarter is stored, so the stop always falls mid-stream.
        await waitFor(() => store.reads.count('lifts') >= total / 4, 60_000, 'a quarter of the lifts stored');
      }
      if (stoppedAt < 0 && store.reads.count('lifts') >= total / 4) {
        // Not awaited: messages keep arriving while the ingest stops.
        stoppedAt = i;
        void ingest.stop();
      }
    }
    await ingest.stop();
    ingest = await startIngest();
    await waitFor(() => store.reads.count('lifts') >= total, 60_000, `${total} lifts stored`);
    await new Promise((r) => setTimeout(r, 300));
    expect(stoppedAt).toBeGreaterThanOrEqual(0);
    const ids = store.db
      .prepare('SELECT event_id FROM lifts WHERE truck_id = ?')
      .pluck()
      .all(truck) as string[];
    expect(new Set(ids)).toEqual(new Set(lifts.map((l) => l.id)));
    expect(ids.length).toBe(total);
  }, 180_000);
}
