import { z } from 'zod';

/**
 * Settings of the optional time-series export (any server accepting the InfluxDB v2 write API
 * `/api/v2/write`: InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics). The config schema of the
 * cloud embeds this object; absent means no export.
 */
export const TsdbSinkConfig = z
  .object({
    url: z.url().describe('Base URL of the server, e.g. http://127.0.0.1:8428'),
    token: z
      .string()
      .default('')
      .describe('API token (InfluxDB 2: "Token …" auth); give it through the environment, not the file'),
    org: z.string().min(1).default('releve').describe('Organisation (ignored by VictoriaMetrics)'),
    bucket: z.string().min(1).default('releve').describe('Bucket (VictoriaMetrics: the `db` label)'),
    batchSize: z.number().int().min(1).max(10_000).default(500).describe('Points per write request'),
    flushIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(1000)
      .describe('Send queued points this often'),
    minBackoffMs: z.number().int().min(10).default(500).describe('First wait after a failed write'),
    maxBackoffMs: z.number().int().min(10).default(30_000).describe('Longest wait between failed writes'),
    timeoutMs: z.number().int().min(100).default(10_000).describe('HTTP timeout of one write'),
  })
  .describe('Export of lifts and telemetry to an InfluxDB-v2-compatible server');
export type TsdbSinkConfig = z.infer<typeof TsdbSinkConfig>;
