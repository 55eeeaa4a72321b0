// @ts-check
// Shared code of the page scripts: strings, API calls with the session cookie, the live
// stream (SSE), formatting and a tiny DOM builder. Plain ES module, served as is (no build).

/** @type {Record<string, string>} */
const STRINGS = JSON.parse(document.getElementById('releve-strings')?.textContent ?? '{}');
/** @type {{ lang: 'fr' | 'en', page?: string, role?: string, csrf?: string, tileUrl?: string | null }} */
export const config = JSON.parse(document.getElementById('releve-config')?.textContent ?? '{}');

/** Time zone of the collection area (all pages show local wall-clock time). */
export const TIME_ZONE = 'Europe/Paris';

/**
 * A string of the page's language with `{name}` placeholders filled.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = STRINGS[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Whether the dictionary has a key (for optional translations of codes). */
export function hasString(key) {
  return key in STRINGS;
}

/**
 * GET a JSON resource of the API with the session cookie.
 * @param {string} path
 */
export async function api(path) {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) {
    let detail = `${res.status}`;
    try {
      const p = await res.json();
      detail = `${p.status} ${p.code}: ${p.detail ?? p.title}`;
    } catch {
      // not a problem body
    }
    throw new Error(detail);
  }
  return res.json();
}

/**
 * POST JSON with the session's CSRF token.
 * @param {string} path
 * @param {unknown} body
 */
export async function post(path, body) {
  return send('POST', path, body);
}

/**
 * DELETE with the session's CSRF token.
 * @param {string} path
 */
export async function del(path) {
  return send('DELETE', path, undefined);
}

/**
 * A request that changes something, with the session's CSRF token; its JSON answer.
 * @param {'POST' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} body sent as JSON unless undefined
 */
async function send(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { 'x-csrf-token': config.csrf ?? '' }
        : { 'content-type': 'application/json', 'x-csrf-token': config.csrf ?? '' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new Error(data ? `${data.status} ${data.code}: ${data.detail ?? data.title}` : `${res.status}`);
  return data;
}

/**
 * Every item of a paginated list (`nextCursor`), up to `max` items.
 * @param {string} path with its query, without `cursor`
 * @param {number} [max]
 */
export async function apiAll(path, max = 20_000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/**
 * Opens the live stream (SSE with the session cookie) and calls `onEvent(kind, data)` for each
 * accepted device message of `kinds`; `onResync()` when the server says events were lost (the
 * page reloads its state). The status line `#live-state` says whether the page is live.
 * @param {string[]} kinds
 * @param {(kind: string, data: any) => void} onEvent
 * @param {() => void} onResync
 */
export function live(kinds, onEvent, onResync) {
  const state = document.getElementById('live-state');
  const source = new EventSource(`/api/v1/events?kinds=${kinds.join(',')}`);
  const show = (key) => {
    if (state) {
      state.textContent = t(key);
      state.dataset.state = key;
    }
  };
  source.addEventListener('open', () => show('live.on'));
  source.addEventListener('error', () =>
    show(source.readyState === EventSource.CLOSED ? 'live.off' : 'live.reconnecting'),
  );
  for (const kind of kinds) {
    source.addEventListener(kind, (e) => onEvent(kind, JSON.parse(/** @type {MessageEvent} */ (e).data)));
  }
  source.addEventListener('resync', () => onResync());
  return source;
}

/**
 * Builds an element: `h('td', { class: 'num' }, '12 kg')`. Attributes starting with `on` are
 * listeners; `null`/`false` children and attributes are skipped.
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = null, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/**
 * Replaces the content of an element. When the keyboard focus was inside, it goes back to the
 * new element with the same `id` or `data-focus-key`, so live updates never drop a person's place.
 */
export function fill(el, ...children) {
  const active = document.activeElement;
  const key =
    active instanceof HTMLElement && el.contains(active)
      ? active.id || active.dataset.focusKey || null
      : null;
  el.replaceChildren();
  append(el, children);
  if (key) {
    const again = /** @type {HTMLElement | null} */ (
      el.querySelector(`[id="${CSS.escape(key)}"], [data-focus-key="${CSS.escape(key)}"]`)
    );
    again?.focus({ preventScroll: true });
  }
  return el;
}

/** A table with a caption, header cells and rows of cells (`th scope` set for accessibility). */
export function table(caption, headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.length ? rows : h('tr', null, h('td', { colspan: headers.length }, t('state.empty'))),
    ),
  );
}

const LOCALE = config.lang === 'en' ? 'en-GB' : 'fr-FR';
/** Intl formatters are costly to build (a page formats thousands of values): one per options. */
const formatters = new Map();
function cached(kind, opts) {
  const key = `${kind}${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      kind === 'n'
        ? new Intl.NumberFormat(LOCALE, opts)
        : new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : LOCALE, opts);
    formatters.set(key, f);
  }
  return f;
}
const nf = (opts) => cached('n', opts);

/** Grams as kg with one decimal. */
export function kg(grams) {
  return grams === null || grams === undefined
    ? '—'
    : `${nf({ maximumFractionDigits: 1 }).format(grams / 1000)} kg`;
}

/** Grams as tonnes with two decimals. */
export function tonnes(grams) {
  return `${nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(grams / 1e6)} t`;
}

/** Integer cents as euros. */
export function euros(cents) {
  return nf({ style: 'currency', currency: 'EUR' }).format(cents / 100);
}

/** A share 0–1 as a percentage. */
export function percent(share) {
  return share === null || share === undefined
    ? '—'
    : nf({ style: 'percent', maximumFractionDigits: 0 }).format(share);
}

/** A plain number. */
export function num(n, digits = 0) {
  return n === null || n === undefined ? '—' : nf({ maximumFractionDigits: digits }).format(n);
}

/** Local time of an ISO instant, hh:mm. */
export function clock(iso) {
  if (!iso) return '—';
  return cached('d', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** Local date and time of an ISO instant. */
export function dateTime(iso) {
  if (!iso) return '—';
  return cached('d', { timeZone: TIME_ZONE, dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

/** Local calendar day (YYYY-MM-DD) of an instant. */
export function localDay(date = new Date()) {
  return cached('day', { timeZone: TIME_ZONE }).format(date);
}

/** The UTC instant at which today began in the collection area's time zone. */
export function startOfLocalDay(now = new Date()) {
  const day = localDay(now);
  // Try the offsets France uses (UTC+1, UTC+2): the one whose local day starts at 00:00.
  for (const offsetH of [1, 2, 0]) {
    const guess = new Date(Date.parse(`${day}T00:00:00.000Z`) - offsetH * 3600_000);
    if (localDay(guess) === day && localDay(new Date(guess.getTime() - 1)) !== day) return guess;
  }
  return new Date(`${day}T00:00:00.000Z`);
}

/**
 * Shows an error at the top of `container`: one message at a time, so a page that keeps
 * failing (every live event reloads it) says so once, with the latest error.
 */
export function showError(container, err) {
  const text = `${t('state.error')} ${err instanceof Error ? err.message : err}`;
  const shown = container.querySelector(':scope > [data-page-error]');
  if (shown) shown.textContent = text;
  else container.prepend(h('p', { class: 'error', role: 'alert', 'data-page-error': true }, text));
}

/** Removes the message of {@link showError} once the page loaded again. */
export function clearError(container) {
  container.querySelector(':scope > [data-page-error]')?.remove();
}

/** Calls `fn` at most once per `ms` (coalesces bursts of live events into one reload). */
export function coalesce(fn, ms = 500) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
