// npm run bench:web — the dispatcher page in headless Debian Chromium against a real cloud
// (embedded broker, ingest, SQLite, HTTP API with the pages): time from navigation to a filled
// page with BENCH_TRUCKS trucks and BENCH_LIFTS lifts today, and the latency from a truck
// status published over MQTT to the new payload shown on the page (SSE), over BENCH_UPDATES
// updates. Prints figures; asserts nothing.
import { encodeMessage, topicFor } from '@releve/shared';
import mqtt from 'mqtt';
import { lift, online, recordOf, truckStatus } from '../cloud/test/api/fixtures.js';
import { Browser, WebCloud } from '../cloud/test/web/WebCloud.js';

const TRUCKS = Number(process.env.BENCH_TRUCKS ?? 20);
const LIFTS = Number(process.env.BENCH_LIFTS ?? 2000);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 30);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

const cloud = await WebCloud.create();
const browser = new Browser();
const ids = Array.from({ length: TRUCKS }, (_, i) => `truck-${String(i + 1).padStart(2, '0')}`);
cloud.store.db.exec(
  `INSERT INTO trucks (truck_id, name, max_payload_g, scale_interval_g) VALUES ${ids
    .map((id, i) => `('${id}', 'Benne ${i + 1}', 9000000, 500)`)
    .join(', ')}`,
);
const now = Date.now();
/** Today's local midnight in Paris (the page shows the local day). */
const parisDay = (ms: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(ms));
let dayStart = Date.parse(`${parisDay(now)}T00:00:00.000Z`) - 2 * 3600_000;
while (parisDay(dayStart) !== parisDay(now)) dayStart += 60_000;
const spacing = Math.max(1, Math.floor((now - dayStart - 120_000) / Math.max(1, LIFTS)));
cloud.store.writeBatch(
  Array.from({ length: LIFTS }, (_, n) => {
    const t = now - 60_000 - (LIFTS - n) * spacing;
    const l = {
      ...lift(ids[n % TRUCKS] ?? 'truck-01', n + 1, t, n % 3 ? 'acc-1' : 'acc-2'),
      position: { lat: 43.6 + (n % 97) / 1000, lon: 3.5 + (n % 89) / 1000 },
    };
    return recordOf('lift', l.truckId, l, t + 9000);
  }),
);
cloud.store.writeBatch(
  ids.flatMap((id, i) => [
    recordOf('truckOnline', id, online(id, now - 3600_000), now - 3600_000),
    recordOf(
      'truckStatus',
      id,
      { ...truckStatus(id, 1, now - 30_000), position: { lat: 43.6 + i / 500, lon: 3.5 } },
      now - 30_000,
    ),
  ]),
);
await cloud.start();
await browser.start();

try {
  const page = await browser.signIn(cloud.url, cloud.tokenOf.dispatcher);
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await page.goto(`${cloud.url}/dispatch`);
    await page.locator(`#trucks-table tr[data-truck="${ids[TRUCKS - 1]}"]`).waitFor();
    await page.locator('#live-state[data-state="live.on"]').waitFor();
    loads.push(performance.now() - t0);
  }
  const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${cloud.broker.ports.mqtt}`, {
    clientId: 'truck-01',
  });
  const latencies: number[] = [];
  for (let i = 0; i < UPDATES; i++) {
    const payloadG = 100_000 + i * 1000;
    const m = { ...truckStatus('truck-01', 100 + i, Date.now()), payloadG, weightFill: payloadG / 9_000_000 };
    const shown = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(payloadG / 1000);
    const t0 = performance.now();
    await device.publishAsync(topicFor('truckStatus', 'truck-01'), encodeMessage('truckStatus', m), {
      qos: 1,
    });
    await page
      .locator('#trucks-table tr[data-truck="truck-01"] .payload', { hasText: new RegExp(`^${shown} kg$`) })
      .waitFor({ timeout: 20_000 });
    latencies.push(performance.now() - t0);
  }
  await device.endAsync();
  console.log(`dispatcher page, ${TRUCKS} trucks, ${LIFTS} lifts today (headless Chromium, loopback):`);
  console.log(
    `  navigation → filled page and live: median ${pct(loads, 50).toFixed(0)} ms, max ${Math.max(...loads).toFixed(0)} ms (5 loads)`,
  );
  console.log(
    `  MQTT publish → payload shown (ingest commit, SSE, re-render): median ${pct(latencies, 50).toFixed(0)} ms, p90 ${pct(latencies, 90).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms (${UPDATES} updates)`,
  );
} finally {
  await browser.stop();
  await cloud.stop();
}
