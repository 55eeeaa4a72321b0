// @ts-check
// What the hand-written SVG figures (charts.js, map.js) share: element building, an SVG that
// screen readers announce by its title and description, and the captioned figure around it.

const NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element with attributes (null and undefined left out) and children (text or nodes).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children
 */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/**
 * An SVG of `width` × `height` user units labelled by its `<title>` and `<desc>`.
 * @param {{ className: string, width: number, height: number, title: string, description: string }} o
 */
export function labelledSvg(o) {
  const id = `${o.className[0]}${Math.random().toString(36).slice(2, 8)}`;
  const svg = s('svg', {
    viewBox: `0 0 ${o.width} ${o.height}`,
    class: o.className,
    role: 'img',
    'aria-labelledby': `${id}-t ${id}-d`,
  });
  svg.append(s('title', { id: `${id}-t` }, o.title), s('desc', { id: `${id}-d` }, o.description));
  return svg;
}

/**
 * A `<figure>` captioned with `title`, holding `parts` (the SVG, a legend…).
 * @param {string} title
 * @param {...Node} parts
 */
export function captioned(title, ...parts) {
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = title;
  fig.append(cap, ...parts);
  return fig;
}
