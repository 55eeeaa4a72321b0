import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTariffFile } from '../../src/billing/BillingExport.js';

describe('deploy/cloud/tariff.example.yaml', () => {
  it('is a valid tariff plan that prices every EN 840 volume for households', () => {
    const t = loadTariffFile(
      fileURLToPath(new URL('../../../deploy/cloud/tariff.example.yaml', import.meta.url)),
    );
    expect(
      Object.keys(t.plan.plans.household.versions[0]!.fixedPerYearCents)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([80, 120, 140, 240, 360, 660, 770, 1100]);
    expect(t.plan.plans.household.versions[0]!.weightTiers[0]!.centsPerKg).toBe(23_500);
    expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
