import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '@releve/cloud/store/Store';
import { commandService, requireService, waitFor } from '@releve/shared/testing/index';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type BeaconAllowlistCommand, decodeMessage, filterFor } from '@releve/shared';
import mqtt from 'mqtt';
import { demoFleet, demoTagId, zoneOf } from '../../src/demo/DemoFleet.js';
import { DISPATCH_USER } from '../../src/demo/DemoProvisioning.js';

const BIN = fileURLToPath(new URL('../../bin/releve-sim.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const haveSocat = await requireService(commandService('socat'));

/** Process ids whose command line names `dir` (every agent, socat and config of the demo does). */
function processesNaming(dir: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(dir)) out.push({ pid: Number(entry), cmd: cmd.slice(0, 200) });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

interface Summary {
  lifts: Record<string, number>;
  sightingBatches: Record<string, number>;
  beaconsHeard: Record<string, string[]>;
}

/** `releve-sim demo` as `npm start` runs it, on a fresh data directory, fast and short. */
class DemoRun {
  readonly stdout: string[] = [];
  readonly exited: Promise<number | null>;
  readonly proc: ChildProcess;

  constructor(
    readonly dataDir: string,
    extra: string[] = [],
  ) {
    this.proc = spawn(
      process.execPath,
      [
        BIN,
        'demo',
        '--data-dir',
        dataDir,
        '--speed',
        '10',
        '--bins',
        '6',
        '--mqtt-port',
        '0',
        '--http-port',
        '0',
        '--cab-port',
        '0',
        '--phones',
        '3',
        '--progress-s',
        '1',
        '--log-level',
        'warn',
        ...extra,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let partial = '';
    this.proc.stdout?.on('data', (b: Buffer) => {
      partial += b.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.stdout.push(...lines);
    });
    this.proc.stderr?.on('data', (b: Buffer) => this.stdout.push(`stderr: ${b.toString()}`));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  has(text: string): boolean {
    return this.stdout.some((l) => l.includes(text));
  }

  lastProgress(): string {
    return this.stdout.filter((l) => l.startsWith('[')).at(-1) ?? '';
  }
}

let run: DemoRun | null = null;
let dir: string | null = null;
afterEach(async () => {
  if (run && run.proc.exitCode === null) {
    run.proc.kill('SIGKILL');
    await run.exited;
  }
  // whatever a failed test left behind, end it (by pid, only processes naming our temp dir)
  if (dir) for (const p of processesNaming(dir)) process.kill(p.pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  run = null;
  dir = null;
});

describe.skipIf(!haveSocat)('the whole system in one command (releve-sim demo)', () => {
  it('runs cloud, three trucks and two gateways; the cloud receives lifts from every truck and sightings from both gateways; Ctrl-C leaves no process', async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-demo-'));
    run = new DemoRun(dir);
    const r = run;
    await waitFor(() => r.has('Ctrl-C stops everything') || r.proc.exitCode !== null, 120_000, 'the banner');
    expect(r.proc.exitCode, r.stdout.join('\n')).toBeNull();
    // the banner says where to log in, with a token per role
    expect(r.has('Cab displays')).toBe(true);
    expect(r.stdout.some((l) => /admin\s+rlv_/.test(l))).toBe(true);
    // every process of the demo runs with the data directory in its command line
    const running = processesNaming(dir);
    expect(running.filter((p) => p.cmd.includes('releve-truck.js')).length).toBe(3);
    expect(running.filter((p) => p.cmd.includes('releve-gateway.js')).length).toBe(2);
    expect(running.filter((p) => p.cmd.includes('releve-cloud.js')).length).toBe(1);
    expect(running.filter((p) => p.cmd.startsWith('socat')).length).toBe(12);

    // the trucks drive their six bins; the gateways hear their beacons
    await waitFor(
      () =>
        ['truck-01', 'truck-02', 'truck-03'].every((t) => r.has(`${t}: round finished`)) &&
        /truck-01 [1-9].*truck-02 [1-9].*truck-03 [1-9].*gw-01 [1-9].*gw-02 [1-9]/.test(r.lastProgress()),
      150_000,
      'three finished rounds, lifts from each truck and sightings from both gateways',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${r.stdout.slice(-30).join('\n')}`);
    });
    // each truck's own cab screen answers: connected, and every booked event acknowledged by the
    // cloud's broker (the outbox deletes an event only on its PUBACK)
    const endpoints = JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8')) as {
      cabUrls: Record<string, string>;
    };
    for (const [i, truckId] of ['truck-01', 'truck-02', 'truck-03'].entries()) {
      const view = await waitFor(
        async () => {
          const v = (await (await fetch(`${endpoints.cabUrls[truckId]}view`)).json()) as {
            truckId: string;
            link: string;
            outboxBacklog: number;
            lastLift: { tagId: string } | null;
          };
          return v.outboxBacklog === 0 ? v : null;
        },
        30_000,
        `${truckId}'s outbox to drain`,
      );
      expect(view).toMatchObject({ truckId, link: 'connected', outboxBacklog: 0 });
      // the last bin of the round (on a loaded machine a tag may be missed: then it is booked without)
      expect([demoTagId(i + 1, 6), null]).toContain(view.lastLift?.tagId);
    }

    // the allowlists are the cloud's (the runner pushes none), from the registry: the gateways
    // are 20 m apart, so within the 150 m radius both list all thirty beacons
    const { mqttUrl } = JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8')) as { mqttUrl: string };
    const { mqtt: secrets } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as {
      mqtt: Record<string, string>;
    };
    const allowlists = new Map<string, BeaconAllowlistCommand>();
    const watcher = await mqtt.connectAsync(mqttUrl, {
      clientId: `${DISPATCH_USER}-test`,
      username: DISPATCH_USER,
      password: secrets[DISPATCH_USER] ?? '',
      reconnectPeriod: 0,
    });
    watcher.on('message', (topic, payload, packet) => {
      const m = decodeMessage(topic, payload);
      if (m.ok && packet.retain) allowlists.set(m.topic.deviceId, m.message as BeaconAllowlistCommand);
    });
    await watcher.subscribeAsync(filterFor('allowlist'), { qos: 1 });
    await waitFor(() => allowlists.size === 2, 10_000, 'both retained allowlists');
    await watcher.endAsync();
    const fleet = demoFleet({ binsPerRoute: 1, date: '2026-01-01' });
    const everyBeacon = fleet.beacons.map((b) => b.beaconId).sort();
    for (const g of ['gw-01', 'gw-02'])
      expect(
        allowlists
          .get(g)
          ?.beacons.map((b) => b.beaconId)
          .sort(),
        g,
      ).toEqual(everyBeacon);

    // the billing office can run the current year on the demo's tariff plan (an open period: a
    // provisional run), and the household link the banner prints opens its statement
    const web = JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8')) as { httpUrl: string };
    const { tokens } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as {
      tokens: Record<string, string>;
    };
    const year = new Date().getUTCFullYear();
    const billed = await fetch(`${web.httpUrl}api/v1/billing/periods/${year}?provisional=true`, {
      headers: { authorization: `Bearer ${tokens.billing}` },
    });
    expect(billed.status, await billed.clone().text()).toBe(200);
    const period = (await billed.json()) as { totals: { liftsInPeriod: number; accounts: number } };
    expect(period.totals.liftsInPeriod).toBeGreaterThan(0);
    expect(period.totals.accounts).toBeGreaterThan(0);
    const citizen = /Citizen page\s+(\S+)\s+\((Famille [^:]+):/.exec(r.stdout.join('\n'));
    expect(citizen, 'the banner prints a household link').not.toBeNull();
    const statement = await fetch(citizen?.[1] ?? '');
    expect(statement.status).toBe(200);
    expect(await statement.text()).toContain(citizen?.[2]);

    r.proc.kill('SIGINT');
    expect(await r.exited).toBe(0);
    expect(r.has('Stopped: no process left running.')).toBe(true);
    expect(processesNaming(dir)).toEqual([]);

    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
    // what the runner's subscriber saw through the cloud's broker, from every truck
    for (const truckId of ['truck-01', 'truck-02', 'truck-03']) {
      expect(summary.lifts[truckId]).toBeGreaterThan(0);
      expect(summary.lifts[truckId]).toBeLessThanOrEqual(6);
    }
    expect(summary.sightingBatches['gw-01']).toBeGreaterThan(0);
    expect(summary.sightingBatches['gw-02']).toBeGreaterThan(0);
    // beacon 30 is on air by gw-02 and listed by both, but silent: nobody reports it
    const heard = new Set([
      ...(summary.beaconsHeard['gw-01'] ?? []),
      ...(summary.beaconsHeard['gw-02'] ?? []),
    ]);
    expect(heard.size).toBeGreaterThan(10);
    expect([...heard].some((id) => id.endsWith(':30') || id.endsWith('001e'))).toBe(false);
    // each gateway reports what is on air in its zone (its allowlist lists more: it never hears those)
    for (const g of fleet.gateways) {
      const onAir = new Set(zoneOf(fleet, g.gatewayId).beacons.map((b) => b.beaconId));
      expect(
        summary.beaconsHeard[g.gatewayId]?.filter((id) => !onAir.has(id)),
        g.gatewayId,
      ).toEqual([]);
    }
    // the cloud stored lifts from every truck and sightings from both gateways
    const store = Store.open({ dataDir: join(dir, 'cloud'), logger: pino({ level: 'silent' }) });
    try {
      const lifts = Object.fromEntries(
        store.db.prepare('SELECT truck_id, count(*) AS n FROM lifts GROUP BY truck_id').raw().all() as [
          string,
          number,
        ][],
      );
      const batches = Object.fromEntries(
        store.db
          .prepare('SELECT gateway_id, count(*) AS n FROM sighting_batches GROUP BY gateway_id')
          .raw()
          .all() as [string, number][],
      );
      for (const truckId of ['truck-01', 'truck-02', 'truck-03']) {
        expect(lifts[truckId], truckId).toBeGreaterThan(0);
        expect(lifts[truckId], truckId).toBeLessThanOrEqual(6);
      }
      expect(batches['gw-01']).toBeGreaterThan(0);
      expect(batches['gw-02']).toBeGreaterThan(0);
    } finally {
      store.close();
    }
    // the agents' logs are in the data directory
    for (const name of ['cloud', 'truck-01', 'truck-02', 'truck-03', 'gw-01', 'gw-02'])
      expect(existsSync(join(dir, 'logs', `${name}.log`))).toBe(true);
  }, 300_000);

  it('SIGTERM right after start-up also stops every process', async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-demo-'));
    run = new DemoRun(dir);
    const r = run;
    const d = dir;
    await waitFor(
      () => processesNaming(d).some((p) => p.cmd.includes('releve-gateway.js')),
      120_000,
      'the gateways',
    );
    r.proc.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(processesNaming(d)).toEqual([]);
  }, 300_000);

  it('a run killed with SIGKILL leaves its agents; the next run on the data directory ends them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'releve-demo-'));
    const d = dir;
    const killed = new DemoRun(d);
    run = killed;
    await waitFor(() => killed.has('Ctrl-C stops everything'), 120_000, 'the first run');
    killed.proc.kill('SIGKILL');
    await killed.exited;
    // the agents outlive it (own process groups); socat ends with its input
    await waitFor(() => !processesNaming(d).some((p) => p.cmd.startsWith('socat')), 30_000, 'socat to end');
    expect(processesNaming(d).filter((p) => p.cmd.includes('/bin/releve-')).length).toBe(6);

    const next = new DemoRun(d, ['--duration-s', '3']);
    run = next;
    expect(await next.exited).toBe(0);
    expect(next.has('ended 6 agent(s) a killed earlier run had left running')).toBe(true);
    expect(processesNaming(d)).toEqual([]);
  }, 300_000);
});
