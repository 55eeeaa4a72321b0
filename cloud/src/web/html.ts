import type { Role } from '../auth/roles.js';
import { type Dictionary, LANGUAGES, type Language, translate } from './dictionary.js';
import type { WebPage } from './pages.js';

/** Escapes text for HTML content and quoted attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside `<script type="application/json">` (no `</script>` breakout). */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Everything the shell of a page needs. */
export interface ShellOptions {
  lang: Language;
  dict: Dictionary;
  /** Dictionary key of the title. */
  titleKey: string;
  /** The current path (language links and the current navigation entry). */
  path: string;
  /** The current query without `lang`, kept by the language links (e.g. `next=%2Fbilling`). */
  query?: string;
  /** The inner HTML of `<main>`. */
  main: string;
  /** Page script under `/assets/pages/`. */
  script?: string;
  /** The signed-in person: navigation and the sign-out form. */
  signedIn?: { role: Role; label: string; csrf: string; pages: readonly WebPage[] };
  /** Handed to the page script as JSON (`#releve-config`). */
  config?: Record<string, unknown>;
}

/**
 * The HTML shell of every page: language, skip link, header with navigation, language switch
 * and sign-out, `<main id="main">`, then the dictionary and configuration as inline JSON for
 * the page script (plain ES modules, no build step). `aria-current` marks the current page.
 */
export function renderShell(o: ShellOptions): string {
  const t = (k: string, v?: Record<string, string | number>) => esc(translate(o.dict, k, v));
  const nav = o.signedIn
    ? `<nav aria-label="${t('nav.label')}"><ul>${o.signedIn.pages
        .map(
          (p) =>
            `<li><a href="${p.path}"${p.path === o.path ? ' aria-current="page"' : ''}>${t(p.titleKey)}</a></li>`,
        )
        .join('')}</ul></nav>`
    : '';
  const langs = LANGUAGES.map((l) =>
    l === o.lang
      ? `<li><span aria-current="true" lang="${l}">${esc(translate(o.dict, `lang.${l}`))}</span></li>`
      : `<li><a href="${esc(o.path)}?${o.query ? `${esc(o.query)}&amp;` : ''}lang=${l}" hreflang="${l}" lang="${l}">${esc(translate(o.dict, `lang.${l}`))}</a></li>`,
  ).join('');
  const who = o.signedIn
    ? `<form class="signout" method="post" action="/logout"><span class="who">${t(`role.${o.signedIn.role}`)}${
        o.signedIn.label ? ` · ${esc(o.signedIn.label)}` : ''
      }</span><input type="hidden" name="csrf" value="${esc(o.signedIn.csrf)}"><button type="submit">${t('action.signOut')}</button></form>`
    : '';
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t(o.titleKey)} · Relevé</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
${o.script ? `<script type="module" src="/assets/pages/${esc(o.script)}"></script>` : ''}
</head>
<body>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top">
<p class="brand"><a href="/">Relevé</a></p>
${nav}
<ul class="langs" aria-label="${t('lang.label')}">${langs}</ul>
${who}
</header>
<main id="main" tabindex="-1">
${o.main}
</main>
<script type="application/json" id="releve-strings">${inlineJson(o.dict)}</script>
<script type="application/json" id="releve-config">${inlineJson({ lang: o.lang, ...(o.config ?? {}) })}</script>
</body>
</html>
`;
}
