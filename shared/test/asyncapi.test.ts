import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAsyncApiYaml } from '../../scripts/asyncapi-yaml.js';
import { MESSAGES } from '../src/index.js';

describe('docs/asyncapi.yaml', () => {
  it('is what the contract generates (run `npm run gen:asyncapi` when this fails)', () => {
    const committed = readFileSync(new URL('../../docs/asyncapi.yaml', import.meta.url), 'utf8');
    expect(committed).toBe(renderAsyncApiYaml());
  });

  it('has a channel, an operation and a schema for every message kind', () => {
    const doc = renderAsyncApiYaml();
    for (const [kind, m] of Object.entries(MESSAGES)) {
      expect(doc).toContain(`address: releve/v1/${m.deviceClass}/{deviceId}/${m.suffix}`);
      expect(doc).toContain(`  ${kind}:`);
    }
  });
});
