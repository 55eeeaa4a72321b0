/**
 * The beacon gateway's configuration: one zod schema, the single source of defaults, types and
 * documentation (`releve-gateway check-config` prints every problem at once). Every object is
 * strict: an unknown key (a typo) is one of the problems, never silently dropped.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { DeviceId } from '@releve/shared';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { BrokerConfig } from '../truck/TruckConfig.js';

export const GatewayConfig = z
  .strictObject({
    gatewayId: DeviceId,
    dataDir: z.string().min(1).describe('Persistent directory: outbox and the last allowlist'),
    broker: BrokerConfig,
    scanner: z
      .strictObject({
        hciDeviceId: z.number().int().min(0).max(31).optional().describe('NOBLE_HCI_DEVICE_ID (hci0 = 0)'),
        purgeAfterS: z
          .number()
          .int()
          .min(5)
          .max(3600)
          .default(60)
          .describe("Forget addresses (noble's cache too) not heard for this long"),
        maxTracked: z.number().int().min(100).max(1_000_000).default(20_000),
      })
      .prefault({}),
    batchIntervalS: z.number().int().min(1).max(600).default(10).describe('Sightings batch window'),
    healthIntervalS: z.number().int().min(5).max(3600).default(60),
    pathLossExponent: z
      .number()
      .min(1)
      .max(6)
      .default(2.7)
      .describe('n of the log-distance model d = 10^((P1m − RSSI) / (10 n))'),
    zones: z
      .strictObject({
        immediateM: z.number().positive().default(0.5),
        nearM: z.number().positive().default(4),
      })
      .prefault({})
      .refine((z) => z.immediateM < z.nearM, 'zones.immediateM must be below zones.nearM'),
    rssiFilter: z
      .strictObject({
        processNoiseDb2PerS: z
          .number()
          .positive()
          .default(0.5)
          .describe('Kalman Q: how fast the true RSSI may drift, dB² per second'),
        measurementNoiseDb2: z
          .number()
          .positive()
          .default(16)
          .describe('Kalman R: variance of one RSSI reading, dB² (σ ≈ 4 dB)'),
      })
      .prefault({}),
    stallAfterS: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(60)
      .describe('No advertisement for this long while beacons are expected: restart scanning'),
    footfall: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Count distinct devices (CNIL tier 1: counts only)'),
        k: z.number().int().min(2).max(100).default(5).describe('Counts below k are suppressed'),
        windowS: z
          .number()
          .int()
          .min(60)
          .max(300)
          .default(300)
          .describe('Window; at most 5 minutes, after which the salt is thrown away'),
      })
      .prefault({}),
  })
  .describe('Beacon gateway configuration');
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** A config, or every problem in it. */
export type GatewayConfigCheck = { ok: true; config: GatewayConfig } | { ok: false; problems: string[] };

/** Validates a parsed config object; every problem at once. */
export function checkGatewayConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfigCheck {
  const r = GatewayConfig.safeParse(raw);
  if (!r.success) {
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  const b = r.data.broker;
  if (b.passwordEnv && env[b.passwordEnv] === undefined) {
    return { ok: false, problems: [`broker.passwordEnv: environment variable ${b.passwordEnv} is not set`] };
  }
  return { ok: true, config: r.data };
}

/**
 * Reads a YAML or JSON config file; throws `EdgeError` (`config`) listing every problem. With
 * `checkFiles`, the password and TLS files must be readable too (`check-config`).
 */
export function loadGatewayConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  checkFiles = false,
): GatewayConfig {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new EdgeError(EdgeErrorCode.Config, `${file}: ${(e as Error).message}`, { cause: e });
  }
  const r = checkGatewayConfig(raw, env);
  if (!r.ok) throw new EdgeError(EdgeErrorCode.Config, `${file}:\n  ${r.problems.join('\n  ')}`);
  const base = dirname(resolve(file));
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
  const b = r.config.broker;
  if (checkFiles) {
    const missing = (
      [
        ['broker.passwordFile', b.passwordFile],
        ['broker.tls.ca', b.tls?.ca],
        ['broker.tls.cert', b.tls?.cert],
        ['broker.tls.key', b.tls?.key],
      ] as const
    ).flatMap(([where, f]) => {
      if (!f) return [];
      try {
        accessSync(abs(f) ?? f, constants.R_OK);
        return [];
      } catch {
        return [`${where}: cannot read ${abs(f)}`];
      }
    });
    if (missing.length) throw new EdgeError(EdgeErrorCode.Config, `${file}:\n  ${missing.join('\n  ')}`);
  }
  return {
    ...r.config,
    dataDir: abs(r.config.dataDir) ?? r.config.dataDir,
    broker: {
      ...b,
      passwordFile: abs(b.passwordFile),
      tls: b.tls ? { ca: abs(b.tls.ca), cert: abs(b.tls.cert), key: abs(b.tls.key) } : undefined,
    },
  };
}
