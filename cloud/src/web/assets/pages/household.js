// @ts-check
// Citizen statement page: the server renders the statement (it works without JavaScript);
// this script adds the chart of the household's kg per month.
import { barChart } from '../charts.js';
import { config, num, t } from '../common.js';

const target = document.getElementById('household-chart');
/** @type {{ month: string, kg: number }[]} */
const months = /** @type {any} */ (config).months ?? [];
if (target && months.length > 0) {
  const label = (ym) =>
    new Intl.DateTimeFormat(config.lang === 'en' ? 'en-GB' : 'fr-FR', {
      month: 'short',
      year: '2-digit',
      timeZone: 'UTC',
    }).format(new Date(`${ym}-15T12:00:00Z`));
  target.append(
    barChart({
      title: t('household.monthlyTitle'),
      description: months.map((m) => `${label(m.month)}: ${num(m.kg, 1)} kg`).join('; '),
      bars: months.map((m) => ({ label: label(m.month), value: m.kg })),
      yLabel: (v) => `${num(v)} kg`,
    }),
  );
}
