import { defineConfig } from 'vitest/config';

/**
 * One vitest run for every package. Test files live in `<package>/test/`.
 * Tests that need a machine service (Mosquitto, VictoriaMetrics, socat, Chromium) use
 * `requireService()` from `shared/test-support`, which skips on a laptop without it
 * and fails under CI=true.
 */
export default defineConfig({
  test: {
    include: ['{shared,edge,cloud,firmware-sim}/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
