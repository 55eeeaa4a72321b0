// @ts-check
// Billing office page: run a period (a preview while it is open), review the lifts the engine
// will not bill, download the export files of a closed period, look at a household's
// statement and give it its personal link. Uses the billing routes (/api/v1/billing/…,
// docs/billing.md); the period is run again when the SSE stream brings a new lift.
import { barChart } from '../charts.js';
import {
  api,
  clearError,
  coalesce,
  dateTime,
  del,
  euros,
  fill,
  h,
  hasString,
  live,
  num,
  post,
  showError,
  t,
  table,
} from '../common.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
const PERIOD = /^\d{4}(-(H[12]|T[1-3]|Q[1-4]|0[1-9]|1[0-2]))?$/;
/** @type {string} */
let periodId = new Date().toISOString().slice(0, 7);
/** Loads started so far: only the latest draws. */
let loads = 0;

const regions = {
  form: h('section', { 'aria-labelledby': 'h-period' }),
  totals: h('section', { 'aria-labelledby': 'h-totals', 'aria-live': 'polite' }),
  review: h('section', { 'aria-labelledby': 'h-review' }),
  exports: h('section', { 'aria-labelledby': 'h-exports' }),
  household: h('section', { 'aria-labelledby': 'h-household' }),
};

const path = (p) => `/api/v1/billing/periods/${encodeURIComponent(periodId)}${p}`;

/**
 * Runs the period, one request: the server bills it finally once it has ended (exports) and
 * projects it while it is open (`provisional=auto`, in the tariff's time zone); the run says which.
 */
async function load() {
  // A load still waiting when a newer one starts (a rerun on a live lift, then another period
  // asked for) must not draw over the newer one when its answer comes last.
  const mine = ++loads;
  const run = await api(path('?provisional=auto'));
  const closed = run.provisional === false;
  const review = await api(path(`/review?provisional=${closed ? 'false' : 'true'}`));
  if (mine !== loads) return;
  renderTotals(run, closed);
  renderReview(review.items);
  renderExports(run, closed);
  clearError(app);
}

function renderForm() {
  const input = h('input', {
    id: 'period-id',
    name: 'period',
    value: periodId,
    required: true,
    pattern: PERIOD.source,
    'aria-describedby': 'period-hint',
    autocomplete: 'off',
  });
  const form = h(
    'form',
    { class: 'period', id: 'period-form' },
    h('label', { for: 'period-id' }, t('billing.periodId'), input),
    h('button', { type: 'submit' }, t('billing.run')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = /** @type {HTMLInputElement} */ (input).value.trim();
    if (!PERIOD.test(v)) return;
    periodId = v;
    load().catch((err) => showError(app, err));
  });
  fill(
    regions.form,
    h('h2', { id: 'h-period' }, t('billing.period')),
    h('p', { class: 'hint', id: 'period-hint' }, t('billing.periodHint')),
    form,
  );
}

function renderTotals(run, closed) {
  const by = run.amountCentsByProduct;
  fill(
    regions.totals,
    h(
      'h2',
      { id: 'h-totals' },
      t(closed ? 'billing.closed' : 'billing.provisional', { id: run.periodId, from: run.from, to: run.to }),
    ),
    h(
      'dl',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.amount')),
        h('dd', { id: 'amount' }, euros(run.totals.amountCents)),
        h(
          'dd',
          { class: 'small' },
          t('billing.byProduct', {
            fixed: euros(by.fixed ?? 0),
            lifts: euros(by.lifts ?? 0),
            weight: euros(by.weight ?? 0),
          }),
        ),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.accounts')),
        h('dd', { id: 'accounts' }, num(run.totals.accounts)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.liftsInPeriod')),
        h('dd', { id: 'lifts-in-period' }, num(run.totals.liftsInPeriod)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('billing.billed')),
        h('dd', { id: 'lifts-billed' }, num(run.totals.liftsBilled)),
      ),
      h(
        'div',
        { class: `card${run.totals.liftsExcluded ? ' warn' : ''}` },
        h('dt', null, t('billing.toReview')),
        h('dd', { id: 'to-review' }, num(run.totals.liftsExcluded)),
      ),
    ),
  );
}

function renderReview(items) {
  const rows = items.map((r) =>
    h(
      'tr',
      { 'data-lift': r.liftId },
      h('td', null, dateTime(r.ts)),
      h('td', { class: 'mono' }, r.tagId ?? '—'),
      h('td', { class: 'reason' }, hasString(`review.${r.reason}`) ? t(`review.${r.reason}`) : r.reason),
      // the engine's own words (English, as in the review export), next to the reason in the page's language
      h('td', { lang: 'en' }, r.detail),
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
        'data-focus-key': 'scroll-review',
      },
      table(
        t('billing.reviewCaption'),
        [t('col.time'), t('col.tag'), t('col.problem'), t('col.detail')],
        rows,
        { id: 'review-table' },
      ),
    ),
  );
}

function renderExports(run, closed) {
  if (!closed) {
    fill(
      regions.exports,
      h('h2', { id: 'h-exports' }, t('billing.exports')),
      h('p', { id: 'exports-open' }, t('billing.exportsOpen')),
    );
    return;
  }
  const link = (query, key, id) =>
    h('li', null, h('a', { href: path(`/export?${query}`), download: '', id }, t(key)));
  fill(
    regions.exports,
    h('h2', { id: 'h-exports' }, t('billing.exports')),
    h(
      'ul',
      { class: 'downloads' },
      link('file=charges&dialect=excel-fr', 'billing.chargesExcel', 'download-charges'),
      link('file=charges&format=csv', 'billing.chargesCsv', null),
      link('file=charges&format=json', 'billing.chargesJson', null),
      link('file=review&dialect=excel-fr', 'billing.reviewCsv', 'download-review'),
      link('file=control', 'billing.control', null),
    ),
    h('p', { class: 'hint' }, t('billing.exportsHint', { id: run.periodId })),
  );
}

function renderHousehold() {
  const input = h('input', { id: 'household-id', name: 'household', required: true, autocomplete: 'off' });
  const out = h('div', { id: 'household-out', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'period', id: 'household-form' },
    h('label', { for: 'household-id' }, t('billing.householdId'), input),
    h('button', { type: 'submit' }, t('billing.showStatement')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = /** @type {HTMLInputElement} */ (input).value.trim();
    if (id)
      showStatement(out, id).catch((err) =>
        fill(out, h('p', { class: 'error', role: 'alert' }, `${t('state.error')} ${err.message}`)),
      );
  });
  fill(regions.household, h('h2', { id: 'h-household' }, t('billing.household')), form, out);
}

async function showStatement(out, id) {
  const s = await api(`/api/v1/billing/households/${encodeURIComponent(id)}/statement`);
  const byMonth = new Map();
  for (const l of s.lifts)
    byMonth.set(l.day.slice(0, 7), (byMonth.get(l.day.slice(0, 7)) ?? 0) + (l.netWeightKg ?? 0));
  const linkOut = h('p', { id: 'citizen-link', 'aria-live': 'polite' });
  const makeLink = h('button', { type: 'button', id: 'make-link' }, t('billing.makeLink'));
  const revokeLink = h('button', { type: 'button', id: 'revoke-link' }, t('billing.revokeLink'));
  const linkPath = `/api/v1/billing/households/${encodeURIComponent(id)}/citizen-link`;
  const linkAction = (action) => async () => {
    try {
      await action();
    } catch (err) {
      fill(
        linkOut,
        h(
          'span',
          { class: 'error', role: 'alert' },
          `${t('state.error')} ${err instanceof Error ? err.message : err}`,
        ),
      );
    }
  };
  makeLink.addEventListener(
    'click',
    linkAction(async () => {
      const r = await post(linkPath, {});
      const url = `${location.origin}${r.path}`;
      fill(linkOut, t('billing.linkIs'), ' ', h('a', { href: url, id: 'citizen-link-url' }, url));
    }),
  );
  // Revoking: the link given so far opens nothing any more; the next one created is new.
  revokeLink.addEventListener(
    'click',
    linkAction(async () => {
      await del(linkPath);
      fill(linkOut, h('span', { id: 'citizen-link-revoked' }, t('billing.linkRevoked')));
    }),
  );
  fill(
    out,
    h('h3', null, `${s.name} · ${t('billing.statementPeriod', { id: s.period.id })}`),
    h(
      'dl',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('household.lifts')),
        h('dd', { id: 'statement-lifts' }, num(s.totals.lifts)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('household.weight')),
        h('dd', null, `${num(s.totals.netWeightKg, 1)} kg`),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('household.soFar')),
        h('dd', { id: 'statement-so-far' }, euros(s.charge.soFarCents)),
      ),
      h(
        'div',
        { class: 'card' },
        h('dt', null, t('household.projected')),
        h('dd', null, euros(s.charge.projectedCents)),
      ),
    ),
    byMonth.size
      ? barChart({
          title: t('household.monthlyTitle'),
          description: [...byMonth].map(([m, kg]) => `${m}: ${num(kg, 1)} kg`).join('; '),
          bars: [...byMonth].sort().map(([label, value]) => ({ label, value })),
          yLabel: (v) => `${num(v)} kg`,
        })
      : null,
    h('p', null, makeLink, ' ', revokeLink),
    linkOut,
  );
}

fill(app, regions.form, regions.totals, regions.review, regions.exports, regions.household);
renderForm();
renderHousehold();
const rerun = coalesce(() => load().catch((err) => showError(app, err)), 1000);
load()
  .catch((err) => showError(app, err))
  .finally(() => live(['lift'], () => rerun(), rerun));
