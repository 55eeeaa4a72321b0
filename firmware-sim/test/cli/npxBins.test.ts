import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every CLI of the project, by the workspace package that declares it in `bin`. */
const CLIS = {
  'releve-cloud': ['serve', 'device', 'user'],
  'releve-truck': ['run', 'check-config'],
  'releve-gateway': ['run', 'check-config'],
  'releve-sim': ['truck', 'demo'],
} as const;

function npx(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    // offline and never installing: a missing bin link must fail here, not be looked up in the
    // registry (where a package of that name could be someone else's)
    execFile(
      'npx',
      ['--offline', '--yes=false', ...args],
      { cwd: REPO_ROOT, timeout: 120_000 },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
    );
  });
}

/**
 * What the README promises: `npx <name> --help` works from the repository root right after
 * `npm install`, through the bin links npm makes for the workspace packages (not by running
 * the bin file with node, as the other CLI tests do).
 */
describe('every CLI runs through npx from the repository root', { timeout: 180_000 }, () => {
  for (const [name, commands] of Object.entries(CLIS)) {
    it(`npx ${name} --help`, async () => {
      const r = await npx([name, '--help']);
      expect(r.err).not.toMatch(/\berror\b/i);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: ${name} `);
      for (const c of commands) expect(r.out).toContain(`  ${c} `);
    });
  }
});
