import type { HouseholdStatement } from '../billing/HouseholdStatement.js';
import { type Dictionary, type Language, translate } from './dictionary.js';
import { esc } from './html.js';

/** Finds the statement behind a household's personal link; null when the link is unknown or revoked. */
export type HouseholdStatementSource = (linkSecret: string, now: Date) => HouseholdStatement | null;

/** Net kg per calendar month of a statement's lifts (what the page's bar chart draws). */
export function kgPerMonth(s: HouseholdStatement): { month: string; kg: number }[] {
  const by = new Map<string, number>();
  for (const l of s.lifts) by.set(l.day.slice(0, 7), (by.get(l.day.slice(0, 7)) ?? 0) + (l.netWeightKg ?? 0));
  return [...by.entries()].sort().map(([month, kg]) => ({ month, kg: Math.round(kg * 1000) / 1000 }));
}

/**
 * Cents of a charge line's `unitPriceCents` (docs/billing.md, `unit_price_cents`): a decimal, or
 * for the fixed part the price per year over the days of the year (`18250/365`): per year then.
 */
export function unitPriceCents(text: string): number {
  return Number(text.split('/')[0]);
}

/**
 * The inner HTML of a household's statement page, rendered on the server: a citizen has no
 * account and no token, only the personal link, so the page needs no API call and works
 * without JavaScript (the script only adds the chart).
 */
export function householdMain(s: HouseholdStatement, lang: Language, dict: Dictionary): string {
  const t = (k: string, v?: Record<string, string | number>) => esc(translate(dict, k, v));
  const locale = lang === 'en' ? 'en-GB' : 'fr-FR';
  const kg = (x: number | null) =>
    x === null ? '—' : `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(x)} kg`;
  const eur = (cents: number, maxDigits = 2) =>
    new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: 'EUR',
      maximumFractionDigits: maxDigits,
    }).format(cents / 100);
  // billing's decimal texts (quantities, unit prices) shown in the page's language
  const decimal = (text: string, maxDigits: number) =>
    new Intl.NumberFormat(locale, { maximumFractionDigits: maxDigits }).format(Number(text));
  const day = (d: string) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${d}T12:00:00Z`),
    );
  const lastDay = new Date(Date.parse(`${s.period.to}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const c = s.comparable;
  const lifts = s.lifts
    .map(
      (l) =>
        `<tr><td>${esc(day(l.day))}</td><td>${esc(l.binId)} · ${l.volumeL} L</td><td class="num">${kg(
          l.netWeightKg,
        )}</td><td>${l.billed ? t('household.yes') : t('household.no')}</td><td>${
          l.note ? t(`household.note.${l.note}`) : ''
        }</td></tr>`,
    )
    .join('');
  // The unit price in words of the page's language; billing's own reference of the line (its
  // sub-article, as in the export files) follows as a code, not as prose.
  const lines = s.charge.lines
    .map(
      (l) =>
        `<tr><td>${t(`household.product.${l.product}`)}</td><td>${t(`household.price.${l.product}`, {
          price: eur(unitPriceCents(l.unitPriceCents), 3),
        })}<br><small class="hint">${t('household.reference')} <code lang="en">${esc(l.subArticle)}${
          l.share ? ` (${esc(l.share)})` : ''
        }</code></small></td><td class="num">${decimal(l.quantity, 3)} ${t(
          `household.unit.${l.unit}`,
        )}</td><td class="num">${eur(l.amountCents)}</td></tr>`,
    )
    .join('');
  const empty = (cols: number) => `<tr><td colspan="${cols}">${t('state.empty')}</td></tr>`;
  return `<h1>${t('household.title')}</h1>
<p class="lead" id="household-name">${esc(s.name)}${s.persons ? ` · ${t('household.persons', { n: s.persons })}` : ''}</p>
<p>${t('household.period', { from: day(s.period.from), to: day(lastDay), elapsed: s.period.elapsedDays, days: s.period.days })}</p>
<section aria-labelledby="h-overview"><h2 id="h-overview">${t('household.overview')}</h2>
<dl class="cards">
<div class="card"><dt>${t('household.lifts')}</dt><dd id="household-lifts">${s.totals.lifts}</dd></div>
<div class="card"><dt>${t('household.weight')}</dt><dd id="household-weight">${kg(s.totals.netWeightKg)}</dd></div>
<div class="card"><dt>${t('household.soFar')}</dt><dd id="household-so-far">${eur(s.charge.soFarCents)}</dd></div>
<div class="card"><dt>${t('household.projected')}</dt><dd id="household-projected">${eur(s.charge.projectedCents)}</dd></div>
</dl>
<p id="household-comparison">${
    c.averageNetWeightKg === null
      ? t('household.noComparison')
      : t('household.comparison', {
          households: c.households,
          volume: c.binVolumeL ?? '—',
          kg: kg(c.averageNetWeightKg),
          lifts: c.averageLifts === null ? '—' : decimal(String(c.averageLifts), 1),
        })
  }</p></section>
<section aria-labelledby="h-monthly"><h2 id="h-monthly">${t('household.monthly')}</h2><div id="household-chart"></div></section>
<section aria-labelledby="h-lifts"><h2 id="h-lifts">${t('household.liftsTitle')}</h2>
<div class="scroll" tabindex="0" role="region" aria-label="${t('household.liftsTitle')}"><table id="household-lifts-table"><caption>${t(
    'household.liftsCaption',
  )}</caption>
<thead><tr><th scope="col">${t('household.day')}</th><th scope="col">${t('household.bin')}</th><th scope="col">${t(
    'col.net',
  )}</th><th scope="col">${t('household.billed')}</th><th scope="col">${t('household.note')}</th></tr></thead>
<tbody>${lifts || empty(5)}</tbody></table></div></section>
<section aria-labelledby="h-charge"><h2 id="h-charge">${t('household.charge')}</h2>
<div class="scroll" tabindex="0" role="region" aria-label="${t('household.charge')}"><table id="household-charge-table"><caption>${t(
    'household.chargeCaption',
  )}</caption>
<thead><tr><th scope="col">${t('household.productCol')}</th><th scope="col">${t('household.unitPrice')}</th><th scope="col">${t(
    'household.quantity',
  )}</th><th scope="col">${t('household.amount')}</th></tr></thead>
<tbody>${lines || empty(4)}</tbody></table></div></section>
<p class="hint">${t('household.privacy')}</p>`;
}
