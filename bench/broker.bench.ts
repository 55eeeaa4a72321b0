/**
 * QoS 1 throughput of the embedded broker with authentication + ACL on, and with every check
 * off, in the same run, and what the checks cost. Target: checks cost ≤ 15 % of the throughput.
 *
 *   npm run bench:broker                                       # 200 trucks, 40 gateways, ~1 min
 *   BENCH_MESSAGES=60000 BENCH_ROUNDS=7 npm run bench:broker
 *   BENCH_TRUCKS=2000 BENCH_GATEWAYS=400 npm run bench:broker  # a large fleet (ingest: 5,200 topics)
 *
 * The broker runs alone in this process; the clients run in a child process (this file with
 * argument `clients`), so this process's CPU time is the broker's only. A fleet of trucks and
 * gateways, each its own client id, username and topics (`releve/v1/trucks/<id>/lifts`,
 * `…/status`; `releve/v1/gateways/<id>/sightings`, `…/telemetry`, `…/health`), publishes
 * schema-valid QoS 1 messages (a truck 3 lifts to 1 status, a gateway 4 sightings batches to 1
 * telemetry and 1 health), each device with at most BENCH_WINDOW unacknowledged; one ingest
 * client receives everything through QoS 1 wildcard subscriptions (`releve/v1/trucks/+/lifts`…).
 * With checks on, every device has its own password-file user and ACL section and the ingest
 * the ingest role, as `releve-cloud device add` writes them; every PUBLISH is checked (write)
 * and every delivery to the ingest too (read, one decision per device topic).
 *
 * A round: a fresh broker (sessions in LevelDB, as in production), the clients connect and
 * subscribe, then the timed part, from the first PUBLISH to the last message received by the
 * ingest, during which this process's CPU time (process.cpuUsage: every thread of the broker)
 * is taken. One warm-up round per mode, then rounds alternate the modes (on/off, off/on, …);
 * medians are reported. The throughput ratio is on/off; the CPU cost is the broker CPU time per
 * message with checks over without, minus one.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { deviceToCloudFilters, encodeMessage, type MessageKind, topicFor } from '@releve/shared';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { deviceAclSection, roleAclSection } from '../cloud/src/broker/AclSections.js';
import { CloudBroker } from '../cloud/src/broker/CloudBroker.js';
import { formatPasswordHash, hashPassword } from '../cloud/src/broker/PasswordHash.js';
import { beaconTelemetry, gatewayHealth, lift, sightings, truckStatus } from '../cloud/test/api/fixtures.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 24_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TRUCKS = Number(process.env.BENCH_TRUCKS ?? 200);
const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 40);
/** Unacknowledged QoS 1 PUBLISHes per device. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 4);
/** A round that takes longer has lost messages (a refused publish closes its connection). */
const ROUND_TIMEOUT_MS = 120_000;
const SECRET = 'bench-secret';
const INGEST = 'ingest';

const truckIds = Array.from({ length: TRUCKS }, (_, i) => `truck-${String(i + 1).padStart(4, '0')}`);
const gatewayIds = Array.from({ length: GATEWAYS }, (_, i) => `gw-${String(i + 1).padStart(4, '0')}`);

/** What each kind of device publishes, in turn. */
const TRUCK_CYCLE: MessageKind[] = ['lift', 'lift', 'lift', 'truckStatus'];
const GATEWAY_CYCLE: MessageKind[] = [
  'sightings',
  'sightings',
  'telemetry',
  'sightings',
  'sightings',
  'gatewayHealth',
];

interface Publish {
  topic: string;
  payload: Buffer;
}

/** One schema-valid message of `kind` from `deviceId`. */
function message(kind: MessageKind, deviceId: string, seq: number, tsMs: number): Buffer {
  switch (kind) {
    case 'lift':
      return encodeMessage('lift', lift(deviceId, seq, tsMs, seq % 2 ? 'acc-1' : 'acc-2'));
    case 'truckStatus':
      return encodeMessage('truckStatus', truckStatus(deviceId, seq, tsMs));
    case 'sightings': {
      const batch = sightings(deviceId, seq, tsMs);
      const heard = batch.beacons[0];
      if (heard) {
        // a gateway hears several beacons in a window
        batch.beacons = Array.from({ length: 6 }, (_, i) => ({
          ...heard,
          beaconId: heard.beaconId.replace(/..$/, `1${i}`),
          address: `AA:BB:CC:DD:EE:1${i}`,
        }));
      }
      return encodeMessage('sightings', batch);
    }
    case 'telemetry':
      return encodeMessage('telemetry', beaconTelemetry(deviceId, seq, tsMs));
    case 'gatewayHealth':
      return encodeMessage('gatewayHealth', gatewayHealth(deviceId, seq, tsMs));
    default:
      throw new Error(`no bench message for ${kind}`);
  }
}

/** Each device's messages for one round (encoded before the timed part). */
function traffic(total: number): Publish[][] {
  const devices = [
    ...truckIds.map((id) => ({ id, cycle: TRUCK_CYCLE })),
    ...gatewayIds.map((id) => ({ id, cycle: GATEWAY_CYCLE })),
  ];
  const t0 = Date.now();
  return devices.map(({ id, cycle }, d) => {
    const n = Math.floor(total / devices.length) + (d < total % devices.length ? 1 : 0);
    return Array.from({ length: n }, (_, i) => {
      const kind = cycle[(i + d) % cycle.length] as MessageKind;
      return { topic: topicFor(kind, id), payload: message(kind, id, i + 1, t0 + i * 1000) };
    });
  });
}

type Mode = 'on' | 'off';

interface RoundFigures {
  /** Messages per second received by the ingest. */
  rate: number;
  /** Broker process CPU time per message, µs. */
  brokerCpuUs: number;
  /** Clients' process CPU time per message, µs (for the reader: both share the 2 cores). */
  clientsCpuUs: number;
}

/** The clients' process, driven over IPC. */
class ClientsProcess {
  readonly #child: ChildProcess;
  constructor() {
    this.#child = fork(fileURLToPath(import.meta.url), ['clients'], { execArgv: ['--import', 'tsx'] });
  }
  #ask<T>(msg: object, timeoutMs = ROUND_TIMEOUT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`clients: no answer to ${JSON.stringify(msg)}`)),
        timeoutMs,
      );
      this.#child.once('message', (m: { error?: string }) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`clients: ${m.error}`));
        else resolve(m as T);
      });
      this.#child.send(msg);
    });
  }
  /** Encodes a round's traffic, connects every device and the ingest, subscribes. */
  connect(url: string, checks: boolean): Promise<void> {
    return this.#ask({ cmd: 'connect', url, checks, total: MESSAGES });
  }
  /** Publishes everything; resolves when the ingest has received it all. */
  burst(): Promise<{ seconds: number; cpuUs: number }> {
    return this.#ask({ cmd: 'burst' });
  }
  disconnect(): Promise<void> {
    return this.#ask({ cmd: 'disconnect' });
  }
  async stop(): Promise<void> {
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.send({ cmd: 'stop' });
    await exited;
  }
}

/** Password and ACL files of the fleet, as `releve-cloud device add` and `user add` write them. */
async function fleetFiles(dir: string): Promise<{ passwordFile: string; aclFile: string }> {
  const hash = formatPasswordHash(await hashPassword(SECRET));
  const users = [...truckIds, ...gatewayIds, INGEST];
  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  writeFileSync(passwordFile, users.map((u) => `${u}:${hash}\n`).join(''));
  writeFileSync(
    aclFile,
    [
      ...truckIds.map((t) => deviceAclSection('truck', t)),
      ...gatewayIds.map((g) => deviceAclSection('gateway', g)),
      roleAclSection('ingest', INGEST),
    ].join('\n\n'),
  );
  return { passwordFile, aclFile };
}

async function round(
  mode: Mode,
  files: { passwordFile: string; aclFile: string },
  clients: ClientsProcess,
): Promise<RoundFigures> {
  const checks = mode === 'on';
  const dataDir = mkdtempSync(join(tmpdir(), 'releve-bench-broker-'));
  const broker = new CloudBroker({
    dataDir,
    mqtt: { host: '127.0.0.1', port: 0 },
    mqtts: null,
    ws: null,
    passwordFile: checks ? files.passwordFile : null,
    aclFile: checks ? files.aclFile : null,
    allowAnonymous: !checks,
    maxPacketBytes: 1024 * 1024,
    unsafeNoChecks: !checks,
    logger: pino({ level: 'silent' }),
  });
  await broker.start();
  try {
    await clients.connect(`mqtt://127.0.0.1:${broker.ports.mqtt}`, checks);
    const cpu = process.cpuUsage();
    const { seconds, cpuUs } = await clients.burst();
    const used = process.cpuUsage(cpu);
    await clients.disconnect();
    return {
      rate: MESSAGES / seconds,
      brokerCpuUs: (used.user + used.system) / MESSAGES,
      clientsCpuUs: cpuUs / MESSAGES,
    };
  } finally {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-broker-files-'));
  const files = await fleetFiles(dir);
  const clients = new ClientsProcess();
  const topics = TRUCKS * 2 + GATEWAYS * 3;
  console.log(
    `broker bench: ${TRUCKS} trucks + ${GATEWAYS} gateways (${fmt(topics)} topics) → 1 ingest on wildcards; ${fmt(MESSAGES)} QoS 1 messages per round, window ${WINDOW} per device, ${ROUNDS} rounds per mode; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  try {
    await round('on', files, clients); // warm-up: JIT, LevelDB, page cache
    await round('off', files, clients);
    const figures: Record<Mode, RoundFigures[]> = { on: [], off: [] };
    for (let i = 0; i < ROUNDS; i++) {
      const order: Mode[] = i % 2 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) figures[mode].push(await round(mode, files, clients));
      const line = (m: Mode) => {
        const f = figures[m][i] as RoundFigures;
        return `${m} ${fmt(f.rate)} msg/s, broker ${f.brokerCpuUs.toFixed(1)} µs/msg (clients ${f.clientsCpuUs.toFixed(1)})`;
      };
      console.log(`  round ${i + 1}: checks ${line('on')}; ${line('off')}`);
    }
    const rate = (m: Mode) => median(figures[m].map((f) => f.rate));
    const cpu = (m: Mode) => median(figures[m].map((f) => f.brokerCpuUs));
    console.log(
      `median with auth + ACL : ${fmt(rate('on'))} msg/s, broker CPU ${cpu('on').toFixed(1)} µs/msg`,
    );
    console.log(
      `median without checks  : ${fmt(rate('off'))} msg/s, broker CPU ${cpu('off').toFixed(1)} µs/msg`,
    );
    console.log(
      `throughput on/off      : ${(rate('on') / rate('off')).toFixed(3)}  (checks cost ${pct(1 - rate('on') / rate('off'))}, target ≤ 15 %)`,
    );
    console.log(
      `broker CPU/msg on/off  : ${(cpu('on') / cpu('off')).toFixed(3)}  (checks cost ${pct(cpu('on') / cpu('off') - 1)} of the broker's CPU time per message)`,
    );
  } finally {
    await clients.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Connects one client; rejects on a refused CONNECT. */
function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
}

/** Child process: every device and the ingest, driven by the broker's process over IPC. */
async function clientsProcess(): Promise<void> {
  let devices: MqttClient[] = [];
  let ingest: MqttClient | null = null;
  let plan: Publish[][] = [];
  let received = 0;
  const reply = (m: object) => process.send?.(m);
  const now = () => performance.now();
  const handle = async (m: { cmd: string; url?: string; checks?: boolean; total?: number }) => {
    if (m.cmd === 'connect') {
      const url = m.url ?? '';
      plan = traffic(m.total ?? 0);
      const as = (id: string) =>
        m.checks ? { clientId: id, username: id, password: SECRET } : { clientId: id };
      ingest = await connect(url, { ...as(INGEST), clientId: 'ingest-1' });
      received = 0;
      ingest.on('message', () => {
        received++;
      });
      const granted = await ingest.subscribeAsync(deviceToCloudFilters(), { qos: 1 });
      if (granted.some((g) => g.qos !== 1)) throw new Error('ingest subscription refused');
      devices = await Promise.all([...truckIds, ...gatewayIds].map((id) => connect(url, as(id))));
      reply({});
    } else if (m.cmd === 'burst') {
      const total = plan.reduce((n, p) => n + p.length, 0);
      const cpu = process.cpuUsage();
      const start = now();
      const allReceived = new Promise<void>((resolve) => {
        if (total === 0) resolve();
        ingest?.on('message', () => {
          if (received >= total) resolve();
        });
      });
      await Promise.all(
        devices.map(async (c, d) => {
          const mine = plan[d] ?? [];
          let next = 0;
          const sender = async () => {
            while (next < mine.length) {
              const p = mine[next++] as Publish;
              await c.publishAsync(p.topic, p.payload, { qos: 1 });
            }
          };
          await Promise.all(Array.from({ length: WINDOW }, sender));
        }),
      );
      await allReceived;
      const seconds = (now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      reply({ seconds, cpuUs: used.user + used.system });
    } else if (m.cmd === 'disconnect') {
      await Promise.all([...devices, ...(ingest ? [ingest] : [])].map((c) => c.endAsync()));
      devices = [];
      ingest = null;
      reply({});
    } else if (m.cmd === 'stop') {
      process.disconnect();
    }
  };
  process.on('message', (m: { cmd: string }) => {
    handle(m).catch((e: unknown) => reply({ error: (e as Error).message }));
  });
}

if (process.argv[2] === 'clients') await clientsProcess();
else await main();
