import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ASSETS = join(process.cwd(), 'cloud', 'src', 'web', 'assets');

/**
 * The page scripts are plain ES modules served as they are (no build step), so the project's
 * type check does not see them. Their `// @ts-check` is enforced here: TypeScript checks them
 * against the DOM library (without `strict`: JSDoc types where they matter).
 */
describe('page scripts', () => {
  it('type-check as JavaScript against the DOM', () => {
    const files = [
      ...readdirSync(ASSETS)
        .filter((f) => f.endsWith('.js'))
        .map((f) => join(ASSETS, f)),
      ...readdirSync(join(ASSETS, 'pages')).map((f) => join(ASSETS, 'pages', f)),
    ];
    const r = spawnSync(
      'npx',
      [
        'tsc',
        '--ignoreConfig',
        '--noEmit',
        '--allowJs',
        '--checkJs',
        '--strict',
        'false',
        '--lib',
        'ES2023,DOM,DOM.Iterable',
        '--target',
        'ES2022',
        '--module',
        'ES2022',
        '--moduleResolution',
        'bundler',
        ...files,
      ],
      { encoding: 'utf8' },
    );
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
