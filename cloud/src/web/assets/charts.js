// @ts-check
// Small hand-written SVG charts (no library): a line chart of series over time and a bar chart.
// Each chart carries a text title and description for screen readers.
import { captioned, labelledSvg, s } from './svg.js';

/**
 * Line chart of series over time.
 * @param {{ title: string, description: string, series: { name: string, points: [number, number][] }[],
 *   yMin?: number, yMax?: number, yLabel: (v: number) => string, xLabel: (ms: number) => string,
 *   guide?: { y: number, label: string } }} o points are [epoch ms, value]
 */
export function lineChart(o) {
  const W = 640;
  const H = 240;
  const L = 56;
  const R = 12;
  const T = 12;
  const B = 32;
  const all = o.series.flatMap((x) => x.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = xs.length ? Math.min(...xs) : Date.now() - 3600_000;
  let x1 = xs.length ? Math.max(...xs) : Date.now();
  if (x1 === x0) x1 = x0 + 60_000;
  const y0 = o.yMin ?? Math.min(0, ...ys);
  let y1 = o.yMax ?? Math.max(1, ...ys, o.guide?.y ?? 0);
  if (y1 === y0) y1 = y0 + 1;
  const px = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const svg = labelledSvg({
    className: 'chart',
    width: W,
    height: H,
    title: o.title,
    description: o.description,
  });
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    svg.append(
      s('line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }),
      s('text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end', class: 'tick' }, o.yLabel(v)),
    );
  }
  for (let i = 0; i <= 4; i++) {
    const v = x0 + ((x1 - x0) * i) / 4;
    const anchor = i === 0 ? 'start' : i === 4 ? 'end' : 'middle';
    svg.append(s('text', { x: px(v), y: H - 10, 'text-anchor': anchor, class: 'tick' }, o.xLabel(v)));
  }
  if (o.guide) {
    svg.append(
      s('line', { x1: L, x2: W - R, y1: py(o.guide.y), y2: py(o.guide.y), class: 'guide' }),
      s('text', { x: W - R, y: py(o.guide.y) - 4, 'text-anchor': 'end', class: 'tick' }, o.guide.label),
    );
  }
  o.series.forEach((series, i) => {
    const d = series.points
      .map((p, j) => `${j ? 'L' : 'M'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join('');
    if (d) svg.append(s('path', { d, class: `line s${i % 6}` }, s('title', {}, series.name)));
    for (const p of series.points.length <= 60 ? series.points : []) {
      svg.append(s('circle', { cx: px(p[0]), cy: py(p[1]), r: 2.5, class: `dot s${i % 6}` }));
    }
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  o.series.forEach((series, i) => {
    const li = document.createElement('li');
    li.className = `s${i % 6}`;
    li.textContent = series.name;
    legend.append(li);
  });
  return captioned(o.title, svg, legend);
}

/**
 * Vertical bar chart.
 * @param {{ title: string, description: string, bars: { label: string, value: number }[],
 *   yLabel: (v: number) => string }} o
 */
export function barChart(o) {
  const W = 640;
  const H = 220;
  const L = 56;
  const R = 12;
  const T = 12;
  const B = 32;
  const max = Math.max(1, ...o.bars.map((b) => b.value));
  const svg = labelledSvg({
    className: 'chart',
    width: W,
    height: H,
    title: o.title,
    description: o.description,
  });
  const py = (v) => H - B - (v / max) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(
      s('line', { x1: L, x2: W - R, y1: py(v), y2: py(v), class: 'grid' }),
      s('text', { x: L - 6, y: py(v) + 4, 'text-anchor': 'end', class: 'tick' }, o.yLabel(v)),
    );
  }
  const slot = (W - L - R) / Math.max(1, o.bars.length);
  o.bars.forEach((b, i) => {
    const x = L + i * slot + slot * 0.15;
    svg.append(
      s(
        'rect',
        { x, y: py(b.value), width: slot * 0.7, height: H - B - py(b.value), class: 'bar' },
        s('title', {}, `${b.label}: ${o.yLabel(b.value)}`),
      ),
      s('text', { x: x + slot * 0.35, y: H - 10, 'text-anchor': 'middle', class: 'tick' }, b.label),
    );
  });
  return captioned(o.title, svg);
}
