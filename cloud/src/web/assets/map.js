// @ts-check
// Positions on a map without any library. Web Mercator (EPSG:3857, the projection of slippy
// map tiles, https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames), so that when a tile
// URL is configured the same coordinates land on the tiles; without one (no internet) the
// points are drawn on a plain SVG canvas with a scale bar.
import { captioned, labelledSvg, s } from './svg.js';

const W = 640;
const H = 400;
const PAD = 28;

/** World pixel coordinates at zoom z (256-px tiles). */
function project(lat, lon, z) {
  const n = 256 * 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { x: ((lon + 180) / 360) * n, y: ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n };
}

/**
 * A map of points.
 * @param {{ title: string, description: string, tileUrl?: string | null,
 *   points: { lat: number, lon: number, kind: string, label: string }[] }} o
 *   `kind` becomes the point's CSS class (truck, lift, anomaly, beacon-ok, …)
 */
export function pointMap(o) {
  const pts = o.points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  const svg = labelledSvg({
    className: 'map',
    width: W,
    height: H,
    title: o.title,
    description: o.description,
  });
  svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));
  if (pts.length === 0) return captioned(o.title, svg);
  // Largest zoom (≤ 18) at which every point fits inside the padded frame.
  let z = 18;
  let box = bounds(pts, z);
  while (z > 1 && (box.w > W - 2 * PAD || box.h > H - 2 * PAD)) box = bounds(pts, --z);
  const ox = box.x0 - (W - box.w) / 2;
  const oy = box.y0 - (H - box.h) / 2;
  if (o.tileUrl) {
    const tiles = s('g', { class: 'tiles' });
    for (let tx = Math.floor(ox / 256); tx * 256 < ox + W; tx++) {
      for (let ty = Math.floor(oy / 256); ty * 256 < oy + H; ty++) {
        const href = o.tileUrl
          .replace('{z}', String(z))
          .replace('{x}', String(tx))
          .replace('{y}', String(ty));
        tiles.append(s('image', { href, x: tx * 256 - ox, y: ty * 256 - oy, width: 256, height: 256 }));
      }
    }
    svg.append(tiles);
  } else {
    for (let gx = 0; gx <= W; gx += 80)
      svg.append(s('line', { x1: gx, x2: gx, y1: 0, y2: H, class: 'grid' }));
    for (let gy = 0; gy <= H; gy += 80)
      svg.append(s('line', { x1: 0, x2: W, y1: gy, y2: gy, class: 'grid' }));
  }
  // Scale bar: metres per pixel at the centre latitude.
  const lat = pts.reduce((a, p) => a + p.lat, 0) / pts.length;
  const mPerPx = (156_543.033_92 * Math.cos((lat * Math.PI) / 180)) / 2 ** z;
  const nice =
    [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000].find((m) => m / mPerPx >= 60) ??
    100_000;
  const len = nice / mPerPx;
  svg.append(
    s('line', { x1: 12, x2: 12 + len, y1: H - 14, y2: H - 14, class: 'scale' }),
    s('text', { x: 12, y: H - 20, class: 'tick' }, nice >= 1000 ? `${nice / 1000} km` : `${nice} m`),
  );
  // Anomalies and trucks drawn last so they stay on top.
  const order = (k) => (k === 'truck' ? 3 : k.includes('anomaly') || k.includes('clone') ? 2 : 1);
  for (const p of [...pts].sort((a, b) => order(a.kind) - order(b.kind))) {
    const q = project(p.lat, p.lon, z);
    const x = q.x - ox;
    const y = q.y - oy;
    const mark =
      p.kind === 'truck'
        ? s('rect', { x: x - 7, y: y - 7, width: 14, height: 14, rx: 3, class: `pt ${p.kind}` })
        : s('circle', { cx: x, cy: y, r: p.kind.startsWith('gateway') ? 7 : 5, class: `pt ${p.kind}` });
    mark.append(s('title', {}, p.label));
    svg.append(mark);
    if (p.kind === 'truck' || p.kind.startsWith('gateway')) {
      svg.append(s('text', { x: x + 10, y: y + 4, class: 'pt-label' }, p.label));
    }
  }
  return captioned(o.title, svg);
}

function bounds(pts, z) {
  const q = pts.map((p) => project(p.lat, p.lon, z));
  const x0 = Math.min(...q.map((p) => p.x));
  const y0 = Math.min(...q.map((p) => p.y));
  return { x0, y0, w: Math.max(...q.map((p) => p.x)) - x0, h: Math.max(...q.map((p) => p.y)) - y0 };
}
