// @ts-check
// Beacon operator page: fleet health (beacons and gateways) as tables and a map, the cloud's
// alerts, a beacon's battery trend, and the monthly availability report to download.
// Loaded from /api/v1/beacon-fleet/*, refreshed when the SSE stream brings gateway messages.
import { lineChart } from '../charts.js';
import {
  api,
  clearError,
  clock,
  coalesce,
  config,
  dateTime,
  fill,
  h,
  hasString,
  live,
  num,
  percent,
  showError,
  t,
  table,
} from '../common.js';
import { pointMap } from '../map.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
let beacons = [];
let gateways = [];
let alerts = [];
/** @type {string | null} the beacon whose battery trend is shown */
let selected = null;

const regions = {
  summary: h('section', { 'aria-labelledby': 'h-fleet' }),
  gateways: h('section', { 'aria-labelledby': 'h-gateways' }),
  beacons: h('section', { 'aria-labelledby': 'h-beacons' }),
  battery: h('section', { 'aria-labelledby': 'h-battery', id: 'battery' }),
  map: h('section', { 'aria-labelledby': 'h-map' }),
  alerts: h('section', { 'aria-labelledby': 'h-alerts' }),
  report: h('section', { 'aria-labelledby': 'h-report' }),
};

async function load() {
  const [b, g, a] = await Promise.all([
    api('/api/v1/beacon-fleet/beacons'),
    api('/api/v1/beacon-fleet/gateways'),
    api('/api/v1/beacon-fleet/alerts?limit=50'),
  ]);
  beacons = b.items;
  gateways = g.items;
  alerts = a.items;
  render();
  clearError(app);
}

const statusText = (s) => (hasString(`status.${s}`) ? t(`status.${s}`) : s);

function renderSummary() {
  const count = (xs, s) => xs.filter((x) => x.status === s).length;
  fill(
    regions.summary,
    h('h2', { id: 'h-fleet' }, t('beacons.fleet')),
    h(
      'dl',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('beacons.beaconsOk')),
        h('dd', { id: 'beacons-ok' }, `${count(beacons, 'ok')} / ${beacons.length}`),
      ),
      h(
        'div',
        { class: `card${beacons.length - count(beacons, 'ok') ? ' warn' : ''}` },
        h('dt', null, t('beacons.beaconsAttention')),
        h('dd', { id: 'beacons-attention' }, String(beacons.length - count(beacons, 'ok'))),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('beacons.gatewaysOnline')),
        h('dd', { id: 'gateways-online' }, `${count(gateways, 'online')} / ${gateways.length}`),
      ),
    ),
  );
}

function renderGateways() {
  const rows = gateways.map((g) =>
    h(
      'tr',
      { 'data-gateway': g.gatewayId, class: `st-${g.status}` },
      h('th', { scope: 'row' }, g.name),
      h('td', { class: 'status' }, statusText(g.status)),
      h('td', null, g.problems.map(statusText).join(', ') || '—'),
      h(
        'td',
        { class: 'num' },
        g.health ? `${num(g.health.heardBeacons)} / ${num(g.health.expectedBeacons)}` : '—',
      ),
      h('td', { class: 'num' }, g.health ? num(g.health.advRatePerS, 1) : '—'),
      h('td', null, g.online ? dateTime(g.online.since) : '—'),
    ),
  );
  fill(
    regions.gateways,
    h('h2', { id: 'h-gateways' }, t('beacons.gateways')),
    h(
      'div',
      {
        class: 'scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': t('beacons.gateways'),
        'data-focus-key': 'scroll-beacons.gateways',
      },
      table(
        t('beacons.gatewaysCaption'),
        [
          t('col.name'),
          t('col.status'),
          t('col.problems'),
          t('beacons.heard'),
          t('beacons.advRate'),
          t('beacons.since'),
        ],
        rows,
        { id: 'gateways-table' },
      ),
    ),
  );
}

function renderBeacons() {
  const rows = beacons.map((b) =>
    h(
      'tr',
      { 'data-beacon': b.beaconId, class: `st-${b.status}` },
      h('th', { scope: 'row' }, b.name, b.shop ? h('span', { class: 'small' }, ` · ${b.shop}`) : null),
      h('td', { class: 'status' }, statusText(b.status)),
      h('td', null, dateTime(b.lastSeenAt)),
      h('td', { class: 'num' }, b.lastBatteryMv === null ? '—' : `${num(b.lastBatteryMv)} mV`),
      h('td', null, b.battery.lowBatteryAt ? dateTime(b.battery.lowBatteryAt) : '—'),
      h('td', { class: 'num' }, num(b.reboots.count)),
      h(
        'td',
        null,
        h(
          'button',
          {
            type: 'button',
            'data-focus-key': `trend-${b.beaconId}`,
            'aria-pressed': String(selected === b.beaconId),
            onclick: () => showBattery(b.beaconId),
          },
          t('beacons.showTrend'),
        ),
      ),
    ),
  );
  fill(
    regions.beacons,
    h('h2', { id: 'h-beacons' }, t('beacons.beacons')),
    h(
      'div',
      {
        class: 'scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': t('beacons.beacons'),
        'data-focus-key': 'scroll-beacons.beacons',
      },
      table(
        t('beacons.beaconsCaption'),
        [
          t('col.name'),
          t('col.status'),
          t('beacons.lastSeen'),
          t('beacons.battery'),
          t('beacons.lowBatteryAt'),
          t('beacons.reboots'),
          t('beacons.trend'),
        ],
        rows,
        { id: 'beacons-table' },
      ),
    ),
  );
}

async function showBattery(beaconId) {
  selected = beaconId;
  renderBeacons();
  const d = await api(`/api/v1/beacon-fleet/beacons/${encodeURIComponent(beaconId)}`);
  const points = d.batteryReadings.map((r) => [Date.parse(r.at), r.batteryMv]);
  fill(
    regions.battery,
    h('h2', { id: 'h-battery', tabindex: '-1' }, t('beacons.batteryOf', { name: d.name })),
    points.length
      ? lineChart({
          title: t('beacons.batteryTitle', { name: d.name }),
          description: t('beacons.batteryDesc', {
            slope: d.battery.slopeMvPerDay === null ? '—' : num(d.battery.slopeMvPerDay, 1),
            low: d.battery.lowBatteryAt ? dateTime(d.battery.lowBatteryAt) : '—',
          }),
          series: [{ name: d.name, points }],
          yMin: Math.min(...points.map((p) => p[1])) - 50,
          yMax: Math.max(...points.map((p) => p[1])) + 50,
          yLabel: (v) => `${Math.round(v)} mV`,
          xLabel: (ms) => dateTime(new Date(ms).toISOString()),
        })
      : h('p', null, t('beacons.noReadings')),
    h(
      'p',
      null,
      t('beacons.batteryDesc', {
        slope: d.battery.slopeMvPerDay === null ? '—' : num(d.battery.slopeMvPerDay, 1),
        low: d.battery.lowBatteryAt ? dateTime(d.battery.lowBatteryAt) : '—',
      }),
    ),
  );
  regions.battery.querySelector('h2')?.focus();
}

function renderMap() {
  const points = [
    ...gateways.map((g) => ({ lat: g.lat, lon: g.lon, kind: `gateway st-${g.status}`, label: g.name })),
    ...beacons.map((b) => ({
      lat: b.lat,
      lon: b.lon,
      kind: `beacon st-${b.status}`,
      label: `${b.name}: ${statusText(b.status)}`,
    })),
  ];
  fill(
    regions.map,
    h('h2', { id: 'h-map' }, t('beacons.map')),
    pointMap({
      title: t('beacons.mapTitle'),
      description: t('beacons.mapDesc', { beacons: beacons.length, gateways: gateways.length }),
      tileUrl: config.tileUrl ?? null,
      points,
    }),
  );
}

/** The registered name of an alert's device (its id when it is not in the lists). */
function deviceName(a) {
  const d =
    a.deviceKind === 'gateway'
      ? gateways.find((g) => g.gatewayId === a.deviceId)
      : beacons.find((b) => b.beaconId === a.deviceId);
  return d?.name ?? a.deviceId;
}

function renderAlerts() {
  // The status change in words of the page's language; the cloud's diagnostic (English,
  // technical) follows as it is, marked as English.
  const rows = alerts.map((a) =>
    h(
      'tr',
      { class: a.severity },
      h('td', null, dateTime(a.raisedAt)),
      h(
        'th',
        { scope: 'row' },
        deviceName(a),
        deviceName(a) === a.deviceId ? null : h('span', { class: 'small mono id' }, a.deviceId),
      ),
      h(
        'td',
        null,
        a.fromStatus ? `${statusText(a.fromStatus)} → ${statusText(a.toStatus)}` : statusText(a.toStatus),
      ),
      h('td', null, t(`severity.${a.severity}`)),
      h('td', { lang: 'en', class: 'small' }, a.detail),
    ),
  );
  fill(
    regions.alerts,
    h('h2', { id: 'h-alerts' }, t('beacons.alerts')),
    table(
      t('beacons.alertsCaption'),
      [t('col.time'), t('col.device'), t('col.status'), t('col.severity'), t('col.detail')],
      rows,
      { id: 'alerts-table' },
    ),
  );
}

function renderReport() {
  const month = new Date().toISOString().slice(0, 7);
  const input = h('input', { id: 'report-month', type: 'month', value: month, required: true });
  const links = h('p', { class: 'downloads' });
  const summary = h('p', { id: 'report-summary', role: 'status' });
  const update = async () => {
    const m = /** @type {HTMLInputElement} */ (input).value || month;
    const base = `/api/v1/beacon-fleet/availability?month=${m}`;
    fill(
      links,
      h(
        'a',
        {
          href: `${base}&format=csv&dialect=excel-fr`,
          download: '',
          id: 'download-availability',
        },
        t('beacons.downloadExcel'),
      ),
      ' · ',
      h('a', { href: `${base}&format=csv`, download: '' }, t('beacons.downloadCsv')),
    );
    try {
      const r = await api(base);
      fill(
        summary,
        t('beacons.reportSummary', { share: percent(r.totals.availability), beacons: r.totals.beacons }),
      );
    } catch (err) {
      fill(summary, String(err));
    }
  };
  input.addEventListener('change', () => void update());
  fill(
    regions.report,
    h('h2', { id: 'h-report' }, t('beacons.report')),
    h('label', { for: 'report-month' }, t('beacons.month')),
    ' ',
    input,
    summary,
    links,
  );
  void update();
}

function render() {
  if (!app.dataset.ready) {
    fill(
      app,
      regions.summary,
      regions.gateways,
      regions.beacons,
      regions.battery,
      regions.map,
      regions.alerts,
      regions.report,
    );
    renderReport();
    app.dataset.ready = '1';
  }
  renderSummary();
  renderGateways();
  renderBeacons();
  renderMap();
  renderAlerts();
  app.dataset.updated = clock(new Date().toISOString());
}

const reload = coalesce(() => load().catch((err) => showError(app, err)), 1000);
load()
  .catch((err) => showError(app, err))
  .finally(() =>
    live(
      ['telemetry', 'sightings', 'gatewayHealth', 'gatewayOnline', 'gatewayAlert'],
      () => reload(),
      reload,
    ),
  );
