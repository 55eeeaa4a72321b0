/**
 * QoS 1 throughput of the embedded broker with authentication + ACL on, and with every check
 * off, in the same run, and the cost of the checks. Target: checks cost ≤ 15 %.
 *
 *   npm run bench:broker                       # 20,000 messages × 5 rounds per mode
 *   BENCH_MESSAGES=50000 BENCH_ROUNDS=7 npm run bench:broker
 *
 * One truck publishes QoS 1 lifts on its own topic (window of 200 unacknowledged messages),
 * one ingest client receives them with a QoS 1 subscription to `releve/v1/trucks/+/lifts`;
 * a round is timed from the first PUBLISH to the last message received. Sessions in LevelDB
 * as in production. Rounds alternate between the modes; medians are reported.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { deviceAclSection, roleAclSection } from '../cloud/src/broker/AclSections.js';
import { CloudBroker } from '../cloud/src/broker/CloudBroker.js';
import { formatPasswordHash, hashPassword } from '../cloud/src/broker/PasswordHash.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 200;
const TRUCK = 'truck-bench';
const TOPIC = `releve/v1/trucks/${TRUCK}/lifts`;

const payload = Buffer.from(
  JSON.stringify({
    id: randomUUID(),
    seq: 1,
    ts: new Date().toISOString(),
    truckId: TRUCK,
    tagId: 'em4100:1000086f44',
    grossG: 48_500,
    tareG: 12_000,
    netG: 36_500,
    stable: true,
  }),
);

async function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4, ...opts });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

async function round(
  checks: boolean,
  files: { passwordFile: string; aclFile: string },
  secret: string,
): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'releve-bench-'));
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
  const url = `mqtt://127.0.0.1:${broker.ports.mqtt}`;
  const sub = await connect(
    url,
    checks ? { clientId: 'ingest-1', username: 'ingest', password: secret } : { clientId: 'ingest-1' },
  );
  await sub.subscribeAsync('releve/v1/trucks/+/lifts', { qos: 1 });
  const pub = await connect(
    url,
    checks ? { clientId: TRUCK, username: TRUCK, password: secret } : { clientId: TRUCK },
  );
  let received = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', () => {
      received++;
      if (received === MESSAGES) resolve();
    }),
  );
  const start = process.hrtime.bigint();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (sent < MESSAGES && sent - acked < WINDOW) {
        sent++;
        pub.publish(TOPIC, payload, { qos: 1 }, (err) => {
          if (err) return reject(err);
          acked++;
          if (acked === MESSAGES) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await pub.endAsync();
  await sub.endAsync();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return MESSAGES / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'releve-bench-files-'));
  const secret = 'bench-secret';
  const hash = formatPasswordHash(await hashPassword(secret));
  const files = { passwordFile: join(dir, 'passwd'), aclFile: join(dir, 'acl') };
  writeFileSync(files.passwordFile, `${TRUCK}:${hash}\ningest:${hash}\n`);
  writeFileSync(
    files.aclFile,
    `${deviceAclSection('truck', TRUCK)}\n${roleAclSection('ingest', 'ingest')}\n`,
  );

  console.log(
    `broker bench: ${MESSAGES} QoS 1 messages of ${payload.length} B per round, ${ROUNDS} rounds per mode`,
  );
  await round(true, files, secret); // warm-up (JIT, LevelDB)
  await round(false, files, secret);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    on.push(await round(true, files, secret));
    off.push(await round(false, files, secret));
    console.log(`  round ${i + 1}: checks on ${on[i]?.toFixed(0)} msg/s, off ${off[i]?.toFixed(0)} msg/s`);
  }
  const mOn = median(on);
  const mOff = median(off);
  const cost = (1 - mOn / mOff) * 100;
  console.log(`median with auth + ACL : ${mOn.toFixed(0)} msg/s`);
  console.log(`median without checks  : ${mOff.toFixed(0)} msg/s`);
  console.log(
    `ratio on/off           : ${(mOn / mOff).toFixed(3)}  (checks cost ${cost.toFixed(1)} %, target ≤ 15 %)`,
  );
  rmSync(dir, { recursive: true, force: true });
}

await main();
