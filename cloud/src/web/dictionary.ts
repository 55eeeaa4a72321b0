import { readFileSync } from 'node:fs';
import { CloudError, CloudErrorCode } from '../errors.js';

/** Languages of the pages: French first, English available. */
export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The default language of every page. */
export const DEFAULT_LANGUAGE: Language = 'fr';

/** One language's strings, by dotted key (`nav.dispatch`); `{name}` marks a placeholder. */
export type Dictionary = Readonly<Record<string, string>>;

const cache = new Map<Language, Dictionary>();

/**
 * The strings of a language, from `i18n/<lang>.json` (one dictionary per language, shared by
 * the server's HTML and the pages' scripts, which receive it inline).
 */
export function dictionary(lang: Language): Dictionary {
  const hit = cache.get(lang);
  if (hit) return hit;
  const url = new URL(`./i18n/${lang}.json`, import.meta.url);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(url, 'utf8'));
  } catch (e) {
    throw new CloudError(CloudErrorCode.Config, `web dictionary ${lang}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const dict = parsed as Record<string, string>;
  cache.set(lang, dict);
  return dict;
}

/** A string of a dictionary with `{name}` placeholders filled; the key itself when missing. */
export function translate(dict: Dictionary, key: string, vars: Record<string, string | number> = {}): string {
  const text = dict[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** A supported language from a query value or cookie, else null. */
export function asLanguage(value: string | null | undefined): Language | null {
  return (LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : null;
}
