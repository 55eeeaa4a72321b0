// @ts-check
// Billing office page: choose a period, review the lifts that cannot be billed as they stand
// (unreadable or unknown tags, bins without a payer, flagged weighings), see kg per month, and
// download the period's lifts. Loaded from GET /api/v1/lifts (billing sees the payer fields);
// new lifts arrive over the SSE stream.
import { barChart } from '../charts.js';
import {
  apiAll,
  clock,
  dateTime,
  fill,
  h,
  hasString,
  kg,
  live,
  num,
  showError,
  t,
  table,
} from '../common.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
/** @type {any[]} */
let lifts = [];
let period = { from: '', to: '' };

const regions = {
  form: h('section', { 'aria-labelledby': 'h-period' }),
  totals: h('section', { 'aria-labelledby': 'h-totals' }),
  review: h('section', { 'aria-labelledby': 'h-review' }),
  chart: h('section', { 'aria-labelledby': 'h-monthly' }),
  exports: h('section', { 'aria-labelledby': 'h-exports' }),
};

/** Why a lift needs the office's review, or null when it can be billed as it stands. */
export function reviewReason(l) {
  if (l.tag === null) return 'no-tag';
  if (l.unknownTag) return 'unknown-tag';
  if (l.accountId === null && l.buildingId === null) return 'no-holder';
  const flag = l.flags.find((f) => f !== 'below-minimum');
  return flag ?? null;
}

/** `novembre 2026` / `November 2026` of a UTC instant. */
function monthLabel(iso) {
  return new Intl.DateTimeFormat(config.lang === 'en' ? 'en-GB' : 'fr-FR', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(iso));
}

function monthStart(ym) {
  return `${ym}-01T00:00:00.000Z`;
}

function nextMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

async function load() {
  lifts = await apiAll(
    `/api/v1/lifts?from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}&limit=1000`,
  );
  render();
}

function renderForm() {
  const now = new Date().toISOString().slice(0, 7);
  const from = h('input', { id: 'period-from', name: 'from', type: 'month', value: now, required: true });
  const to = h('input', { id: 'period-to', name: 'to', type: 'month', value: now, required: true });
  const form = h(
    'form',
    { class: 'period', id: 'period-form' },
    h('label', { for: 'period-from' }, t('billing.fromMonth'), from),
    h('label', { for: 'period-to' }, t('billing.toMonth'), to),
    h('button', { type: 'submit' }, t('billing.preview')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = /** @type {HTMLInputElement} */ (from).value;
    const l = /** @type {HTMLInputElement} */ (to).value;
    period = { from: monthStart(f), to: monthStart(nextMonth(l < f ? f : l)) };
    load().catch((err) => showError(app, err));
  });
  fill(
    regions.form,
    h('h2', { id: 'h-period' }, t('billing.period')),
    h('p', { class: 'hint' }, t('billing.periodHint')),
    form,
  );
  period = { from: monthStart(now), to: monthStart(nextMonth(now)) };
}

function renderTotals() {
  const billable = lifts.filter((l) => reviewReason(l) === null);
  const accounts = new Set(billable.map((l) => l.accountId ?? l.buildingId));
  const grams = billable.reduce((s, l) => s + (l.netWeightG ?? 0), 0);
  fill(
    regions.totals,
    h(
      'h2',
      { id: 'h-totals' },
      t('billing.totals', { from: dateTime(period.from), to: dateTime(period.to) }),
    ),
    h(
      'dl',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.liftsInPeriod')),
        h('dd', { id: 'lifts-in-period' }, num(lifts.length)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.billable')),
        h('dd', { id: 'lifts-billable' }, num(billable.length)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.accounts')),
        h('dd', { id: 'accounts' }, num(accounts.size)),
      ),
      h('div', { class: 'card' }, h('dt', null, t('billing.weight')), h('dd', { id: 'weight' }, kg(grams))),
      h(
        'div',
        { class: `card${lifts.length - billable.length ? ' warn' : ''}` },
        h('dt', null, t('billing.toReview')),
        h('dd', { id: 'to-review' }, num(lifts.length - billable.length)),
      ),
    ),
  );
}

function renderReview() {
  const rows = lifts
    .map((l) => ({ l, reason: reviewReason(l) }))
    .filter((x) => x.reason !== null)
    .map(({ l, reason }) =>
      h(
        'tr',
        { 'data-lift': l.id },
        h('td', null, dateTime(l.startedAt)),
        h('td', null, l.truckId),
        h('td', { class: 'mono' }, l.tag?.id ?? '—'),
        h('td', null, l.binId ?? '—'),
        h('td', null, hasString(`review.${reason}`) ? t(`review.${reason}`) : reason),
        h('td', { class: 'num' }, kg(l.netWeightG)),
      ),
    );
  fill(
    regions.review,
    h('h2', { id: 'h-review' }, t('billing.review')),
    h(
      'div',
      {
        class: 'scroll',
        tabindex: '0',
        role: 'region',
        'aria-label': t('billing.review'),
        'data-focus-key': 'scroll-billing.review',
      },
      table(
        t('billing.reviewCaption'),
        [t('col.time'), t('dispatch.truck'), t('col.tag'), t('billing.bin'), t('col.problem'), t('col.net')],
        rows,
        { id: 'review-table' },
      ),
    ),
  );
}

function renderChart() {
  const byMonth = new Map();
  for (const l of lifts) {
    if (reviewReason(l) !== null || l.netWeightG === null) continue;
    const m = l.startedAt.slice(0, 7);
    byMonth.set(m, (byMonth.get(m) ?? 0) + l.netWeightG);
  }
  const bars = [...byMonth.entries()].sort().map(([label, g]) => ({ label, value: g / 1000 }));
  fill(
    regions.chart,
    h('h2', { id: 'h-monthly' }, t('billing.monthly')),
    bars.length
      ? barChart({
          title: t('billing.monthlyTitle'),
          description: t('billing.monthlyDesc'),
          bars,
          yLabel: (v) => `${num(v)} kg`,
        })
      : h('p', null, t('state.empty')),
  );
}

/** CSV of the period's lifts (`;`, UTF-8 with BOM: what French Excel opens directly). */
function liftsCsv() {
  const cols = [
    'lift_id',
    'started_at',
    'truck_id',
    'tag_id',
    'bin_id',
    'account_id',
    'building_id',
    'net_g',
    'flags',
    'review',
  ];
  const cell = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[;"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = lifts.map((l) =>
    [
      l.id,
      l.startedAt,
      l.truckId,
      l.tag?.id,
      l.binId,
      l.accountId,
      l.buildingId,
      l.netWeightG,
      l.flags.join('|'),
      reviewReason(l),
    ]
      .map(cell)
      .join(';'),
  );
  return `\uFEFF${[cols.join(';'), ...lines].join('\r\n')}\r\n`;
}

let objectUrl = null;
function renderExports() {
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(new Blob([liftsCsv()], { type: 'text/csv;charset=utf-8' }));
  const name = `levees-${period.from.slice(0, 7)}-${period.to.slice(0, 7)}.csv`;
  fill(
    regions.exports,
    h('h2', { id: 'h-exports' }, t('billing.exports')),
    h(
      'p',
      { class: 'downloads' },
      h('a', { href: objectUrl, download: name, id: 'download-lifts' }, t('billing.downloadLifts')),
    ),
    h('p', { class: 'hint' }, t('billing.exportsHint')),
  );
}

function render() {
  renderTotals();
  renderReview();
  renderChart();
  renderExports();
  app.dataset.updated = clock(new Date().toISOString());
}

fill(app, regions.form, regions.totals, regions.review, regions.chart, regions.exports);
renderForm();
load()
  .catch((err) => showError(app, err))
  .finally(() =>
    live(
      ['lift'],
      (_kind, e) => {
        if (e.message.startedAt >= period.from && e.message.startedAt < period.to)
          load().catch((err) => showError(app, err));
      },
      () => load().catch((err) => showError(app, err)),
    ),
  );
