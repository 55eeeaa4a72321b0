import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCookie } from '../../src/auth/WebSessions.js';
import { dictionary, LANGUAGES } from '../../src/web/dictionary.js';
import { safeNext } from '../../src/web/WebFrontend.js';

const withCookie = (cookie: string | undefined) => ({ headers: { cookie } }) as unknown as IncomingMessage;
const cookieName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const cookieValue = fc.stringMatching(/^[A-Za-z0-9_.-]{0,40}$/);

describe('what the web layer reads from requests', () => {
  it('finds a cookie among any others, and never throws on any Cookie header', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 6 }),
        cookieValue,
        fc.array(fc.tuple(cookieName, cookieValue), { maxLength: 6 }),
        (before, value, after) => {
          const others = [...before, ...after].filter(([n]) => n !== 'releve_session');
          const header = [
            ...others.slice(0, before.length),
            ['releve_session', value],
            ...others.slice(before.length),
          ]
            .map(([n, v]) => `${n}=${v}`)
            .join('; ');
          expect(readCookie(withCookie(header), 'releve_session')).toBe(value);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        const v = readCookie(withCookie(header), 'releve_session');
        expect(v === null || typeof v === 'string').toBe(true);
      }),
    );
    expect(readCookie(withCookie('releve_session=%E0%A4%A'), 'releve_session')).toBeNull();
    expect(readCookie(withCookie(undefined), 'releve_session')).toBeNull();
  });

  it('only ever sends a person back to a path of this site after signing in (no open redirect)', () => {
    const origin = 'http://cloud.example:8080';
    const tricky = fc.constantFrom(
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example',
      '/dispatch',
      '/%2F%2Fevil',
      '/\t/evil.example',
      '/\n/evil.example',
      '/ /evil.example',
      '///evil',
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), tricky, fc.webUrl()), (next) => {
        const back = safeNext(next);
        if (back !== null) expect(new URL(back, origin).origin).toBe(origin);
      }),
      { numRuns: 2000 },
    );
    expect(safeNext('/billing')).toBe('/billing');
    expect(safeNext('//evil.example/x')).toBeNull();
  });

  it('has the same placeholders in every language for every string', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const fr = dictionary('fr');
    for (const lang of LANGUAGES) {
      const d = dictionary(lang);
      for (const key of Object.keys(fr))
        expect(placeholders(d[key] ?? ''), `${lang} ${key}`).toEqual(placeholders(fr[key] ?? ''));
    }
  });
});
