// @ts-check
// Dispatcher page: every truck's fill, payload, lifts and unload advice, offline trucks,
// anomalies, positions, the tonnage expected at the treatment site today, and the fill
// through the day. Loaded from GET /api/v1/trucks and /api/v1/lifts, kept live by the SSE
// stream (truckStatus, truckOnline, lift, truckAlert): no polling.
import { lineChart } from '../charts.js';
import {
  api,
  apiAll,
  clearError,
  clock,
  config,
  fill,
  h,
  hasString,
  kg,
  live,
  percent,
  showError,
  startOfLocalDay,
  t,
  table,
  tonnes,
} from '../common.js';
import { pointMap } from '../map.js';
import { expectedTonnage, fillPoints, isAnomaly, isOffline } from './dispatchFigures.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
/** @type {Map<string, any>} truckId → TruckView */
const trucks = new Map();
/** @type {any[]} lifts started today (local day), oldest first */
let lifts = [];
/** @type {any[]} alerts received since the page opened, newest first */
const alerts = [];
let dayStart = startOfLocalDay();

const regions = {
  summary: h('section', { 'aria-labelledby': 'h-summary' }),
  trucks: h('section', { 'aria-labelledby': 'h-trucks' }),
  map: h('section', { 'aria-labelledby': 'h-map' }),
  chart: h('section', { 'aria-labelledby': 'h-chart' }),
  anomalies: h('section', { 'aria-labelledby': 'h-anomalies' }),
  alerts: h('section', { 'aria-labelledby': 'h-alerts' }),
};

async function load() {
  dayStart = startOfLocalDay();
  const [list, today] = await Promise.all([
    api('/api/v1/trucks'),
    apiAll(`/api/v1/lifts?from=${encodeURIComponent(dayStart.toISOString())}&limit=1000`),
  ]);
  trucks.clear();
  for (const tr of list.items) trucks.set(tr.truckId, tr);
  lifts = today;
  render();
  clearError(app);
}

function adviceText(advice) {
  if (!advice) return '—';
  return t(`advice.${advice.action}`);
}

function reasonText(advice) {
  if (!advice) return '—';
  const key = `reason.${advice.reason}`;
  const text = hasString(key) ? t(key) : advice.reason;
  return advice.binsUntilFull === null
    ? text
    : `${text} (${t('dispatch.binsUntilFull', { n: advice.binsUntilFull })})`;
}

function meter(share, label) {
  if (share === null || share === undefined) return '—';
  const pct = Math.round(share * 100);
  return h(
    'span',
    { class: `meter${share >= 1 ? ' over' : share >= 0.85 ? ' high' : ''}` },
    h('span', { class: 'bar', style: null, 'data-pct': Math.min(pct, 100) }),
    h('span', { class: 'value', 'aria-label': `${label} ${percent(share)}` }, percent(share)),
  );
}

function renderSummary() {
  const all = [...trucks.values()];
  const offline = all.filter(isOffline);
  const tonnage = expectedTonnage(trucks.values(), lifts, dayStart.getTime());
  const anomalies = lifts.filter(isAnomaly).length;
  fill(
    regions.summary,
    h('h2', { id: 'h-summary' }, t('dispatch.summary')),
    h(
      'dl',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('dispatch.trucksOnline')),
        h('dd', { id: 'trucks-online' }, `${all.length - offline.length} / ${all.length}`),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('dispatch.expectedTonnage')),
        h('dd', { id: 'expected-tonnage' }, tonnes(tonnage.total)),
        h(
          'dd',
          { class: 'small' },
          t('dispatch.tonnageSplit', {
            onBoard: tonnes(tonnage.onBoard),
            delivered: tonnes(tonnage.delivered),
          }),
        ),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('dispatch.liftsToday')),
        h('dd', { id: 'lifts-today' }, String(lifts.length)),
      ),
      h(
        'div',
        { class: `card${anomalies ? ' warn' : ''}` },
        h('dt', null, t('dispatch.anomalies')),
        h('dd', { id: 'anomaly-count' }, String(anomalies)),
      ),
    ),
    offline.length
      ? h(
          'p',
          { class: 'warn', id: 'offline-trucks' },
          t('dispatch.offlineList', { list: offline.map((x) => x.name ?? x.truckId).join(', ') }),
        )
      : null,
  );
}

function renderTrucks() {
  const rows = [...trucks.values()]
    .sort((a, b) => (a.name ?? a.truckId).localeCompare(b.name ?? b.truckId))
    .map((tr) => {
      const st = tr.status;
      const liftsToday = lifts.filter((l) => l.truckId === tr.truckId).length;
      const unload = st?.advice.action === 'unload';
      return h(
        'tr',
        { 'data-truck': tr.truckId, class: `${isOffline(tr) ? 'offline' : ''}${unload ? ' unload' : ''}` },
        h('th', { scope: 'row' }, tr.name ?? tr.truckId),
        h(
          'td',
          { class: 'conn' },
          isOffline(tr) ? t(tr.online ? 'state.offline' : 'state.never') : t('state.online'),
        ),
        h('td', { class: 'weight-fill' }, meter(st?.weightFill, t('dispatch.weightFill'))),
        h('td', { class: 'volume-fill' }, meter(st?.volumeFill, t('dispatch.volumeFill'))),
        h('td', { class: 'num payload' }, st ? kg(st.payloadG) : '—'),
        h('td', { class: 'num lifts' }, st ? `${st.liftsThisTrip} / ${liftsToday}` : String(liftsToday)),
        h('td', { class: `advice${unload ? ' strong' : ''}` }, adviceText(st?.advice)),
        h('td', { class: 'reason' }, reasonText(st?.advice)),
        h('td', { class: 'seen' }, clock(tr.lastSeenAt)),
      );
    });
  fill(
    regions.trucks,
    h('h2', { id: 'h-trucks' }, t('dispatch.trucks')),
    h(
      'div',
      {
        class: 'scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': t('dispatch.trucks'),
        'data-focus-key': 'scroll-dispatch.trucks',
      },
      table(
        t('dispatch.trucksCaption'),
        [
          t('dispatch.truck'),
          t('dispatch.connection'),
          t('dispatch.weightFill'),
          t('dispatch.volumeFill'),
          t('dispatch.payload'),
          t('dispatch.lifts'),
          t('dispatch.advice'),
          t('dispatch.reason'),
          t('dispatch.lastSeen'),
        ],
        rows,
        { id: 'trucks-table' },
      ),
    ),
  );
  // Bar widths set through CSSOM (the CSP forbids inline style attributes).
  for (const bar of regions.trucks.querySelectorAll('.meter .bar')) {
    /** @type {HTMLElement} */ (bar).style.width = `${/** @type {HTMLElement} */ (bar).dataset.pct}%`;
  }
}

function renderMap() {
  const points = [];
  for (const l of lifts) {
    if (l.position)
      points.push({
        lat: l.position.lat,
        lon: l.position.lon,
        kind: isAnomaly(l) ? 'anomaly' : 'lift',
        label: `${clock(l.startedAt)} ${l.tag?.id ?? t('dispatch.noTag')}`,
      });
  }
  for (const tr of trucks.values()) {
    const p = tr.status?.position;
    if (p) points.push({ lat: p.lat, lon: p.lon, kind: 'truck', label: tr.name ?? tr.truckId });
  }
  fill(
    regions.map,
    h('h2', { id: 'h-map' }, t('dispatch.map')),
    points.length
      ? pointMap({
          title: t('dispatch.mapTitle'),
          description: t('dispatch.mapDesc', {
            trucks: points.filter((p) => p.kind === 'truck').length,
            bins: points.length,
          }),
          tileUrl: config.tileUrl ?? null,
          points,
        })
      : h('p', null, t('dispatch.noPositions')),
    h(
      'ul',
      { class: 'legend map-legend' },
      h('li', { class: 'truck' }, t('dispatch.legendTruck')),
      h('li', { class: 'lift' }, t('dispatch.legendLift')),
      h('li', { class: 'anomaly' }, t('dispatch.legendAnomaly')),
    ),
  );
}

function renderChart() {
  const series = [...trucks.values()]
    .map((tr) => ({ name: tr.name ?? tr.truckId, points: fillPoints(tr, lifts, dayStart.getTime()) }))
    .filter((x) => x.points.length > 1);
  fill(
    regions.chart,
    h('h2', { id: 'h-chart' }, t('dispatch.chart')),
    series.length
      ? lineChart({
          title: t('dispatch.chartTitle'),
          description: t('dispatch.chartDesc'),
          series,
          yMin: 0,
          yMax: Math.max(1.05, ...series.flatMap((x) => x.points.map((p) => p[1]))),
          yLabel: (v) => percent(v),
          xLabel: (ms) => clock(new Date(ms).toISOString()),
          guide: { y: 1, label: t('dispatch.legalPayload') },
        })
      : h('p', null, t('state.empty')),
  );
}

function renderAnomalies() {
  const rows = lifts
    .filter(isAnomaly)
    .reverse()
    .map((l) =>
      h(
        'tr',
        { 'data-lift': l.id },
        h('td', null, clock(l.startedAt)),
        h('td', null, trucks.get(l.truckId)?.name ?? l.truckId),
        h('td', { class: 'mono' }, l.tag?.id ?? t('dispatch.noTag')),
        h(
          'td',
          null,
          [
            ...(l.unknownTag ? [t('flag.unknown-tag')] : []),
            ...l.flags.map((f) => (hasString(`flag.${f}`) ? t(`flag.${f}`) : f)),
          ].join(', '),
        ),
        h('td', { class: 'num' }, kg(l.netWeightG)),
      ),
    );
  fill(
    regions.anomalies,
    h('h2', { id: 'h-anomalies' }, t('dispatch.anomalies')),
    table(
      t('dispatch.anomaliesCaption'),
      [t('col.time'), t('dispatch.truck'), t('col.tag'), t('col.problem'), t('col.net')],
      rows,
      { id: 'anomalies-table' },
    ),
  );
}

function renderAlerts() {
  fill(
    regions.alerts,
    h('h2', { id: 'h-alerts' }, t('dispatch.alerts')),
    alerts.length
      ? h(
          'ul',
          { class: 'alerts', id: 'truck-alerts' },
          alerts
            .slice(0, 20)
            .map((a) =>
              h(
                'li',
                { class: a.severity },
                `${clock(a.ts)} · ${trucks.get(a.deviceId)?.name ?? a.deviceId} · ${a.kind}: ${a.detail}`,
              ),
            ),
        )
      : h('p', null, t('dispatch.noAlerts')),
  );
}

function render() {
  if (!app.dataset.ready) {
    fill(app, regions.summary, regions.trucks, regions.map, regions.chart, regions.anomalies, regions.alerts);
    app.dataset.ready = '1';
  }
  renderSummary();
  renderTrucks();
  renderMap();
  renderChart();
  renderAnomalies();
  renderAlerts();
}

function onEvent(kind, e) {
  const m = e.message;
  if (kind === 'truckStatus') {
    const tr = trucks.get(m.truckId) ?? {
      truckId: m.truckId,
      name: null,
      online: null,
      lastSeenAt: null,
      status: null,
    };
    if (!tr.status || tr.status.ts <= m.ts) tr.status = m;
    tr.lastSeenAt = e.receivedAt;
    trucks.set(m.truckId, tr);
  } else if (kind === 'truckOnline') {
    const tr = trucks.get(m.deviceId) ?? {
      truckId: m.deviceId,
      name: null,
      online: null,
      lastSeenAt: null,
      status: null,
    };
    tr.online = m;
    trucks.set(m.deviceId, tr);
  } else if (kind === 'lift') {
    if (Date.parse(m.startedAt) >= dayStart.getTime() && !lifts.some((l) => l.id === m.id)) {
      // The live event carries the device's message; the cloud's view (unknown tag) comes
      // with the next reload, so a lift's tag is checked against the stored list then.
      lifts.push({
        ...m,
        receivedAt: e.receivedAt,
        unknownTag: false,
        cloudFlags: [],
        binId: null,
        accountId: null,
        buildingId: null,
        volumeL: null,
      });
      lifts.sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
      reloadSoon();
    }
  } else if (kind === 'truckAlert') {
    alerts.unshift(m);
  }
  renderSoon();
}

let frame = 0;
/** One render per animation frame, however many events arrived in it. */
function renderSoon() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

let reloadTimer = null;
/** After a burst of lifts, one reload brings the cloud's verdicts (unknown tags). */
function reloadSoon() {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    load().catch((err) => showError(app, err));
  }, 1500);
}

load()
  .catch((err) => showError(app, err))
  .finally(() => {
    live(['truckStatus', 'truckOnline', 'lift', 'truckAlert'], onEvent, () =>
      load().catch((err) => showError(app, err)),
    );
  });
