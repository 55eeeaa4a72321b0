import { accessSync, constants, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve, dirname } from 'node:path';
import { DeviceId } from '@releve/shared';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EdgeError, EdgeErrorCode } from '../errors.js';
import { lifterBoardSettingsSchema } from '../firmata/LifterBoardSettings.js';
import { serialDeviceSettingsSchema } from '../serial/SerialDeviceSettings.js';

/**
 * The truck agent's configuration: the single source of its defaults, types and documentation
 * (`docs/truck.md` mirrors it). Loaded from a YAML or JSON file; secrets never sit in it, only
 * the path of a file or the name of an environment variable holding them. Every problem is
 * reported at once. Every object is strict: an unknown key (a typo such as `passwordFlie`) is one
 * of the problems, never silently dropped.
 */

const Grams = z.number().int().nonnegative();
const Fraction = z.number().min(0).max(1);

/** A serial device: the decoder protocol and the line settings. */
const serialDevice = (protocolDescription: string, defaultBaud = 9600) =>
  z.strictObject({
    protocol: z.string().min(1).describe(protocolDescription),
    serial: serialDeviceSettingsSchema.extend({ baudRate: z.number().int().positive().default(defaultBaud) }),
  });

/** The bin RFID reader on the lifter. */
export const RfidDeviceConfig = serialDevice('Tag reader protocol (`releve-truck decode --help` lists them)');

/** The weighing indicator of the lifter. */
export const IndicatorDeviceConfig = serialDevice(
  'Indicator protocol (`releve-truck decode --help` lists them)',
).extend({
  pollIntervalMs: z
    .number()
    .int()
    .min(50)
    .max(5000)
    .default(200)
    .describe('Polling protocols (MT-SICS): how often `S` is sent; continuous ones ignore it'),
});

/**
 * The lifter's Firmata board (Arduino): clamp and arm-at-top sensors and the compactor pressure
 * in, cab LED and buzzer out. `board` is the Firmata feature's own settings schema (pins,
 * debounce, pressure transducer and fill curve).
 */
export const LifterBoardConfig = z.strictObject({
  serial: serialDeviceSettingsSchema.extend({ baudRate: z.number().int().positive().default(57600) }),
  board: lifterBoardSettingsSchema.prefault({}),
});

/** MQTT broker connection. */
export const BrokerConfig = z
  .strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\/.+/, 'mqtt://, mqtts://, ws:// or wss:// URL'),
    username: z.string().min(1).optional().describe('Defaults to the truck id'),
    passwordFile: z.string().min(1).optional().describe('File holding the password (first line)'),
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('Environment variable holding the password'),
    tls: z
      .strictObject({
        ca: z.string().optional().describe('CA certificate file (PEM)'),
        cert: z.string().optional().describe('Client certificate file (PEM)'),
        key: z.string().optional().describe('Client key file (PEM)'),
      })
      .optional(),
  })
  .refine((b) => !(b.passwordFile && b.passwordEnv), 'give passwordFile or passwordEnv, not both');

/** The whole agent configuration. */
export const TruckConfig = z.strictObject({
  truckId: DeviceId,
  dataDir: z.string().min(1).describe('Persistent directory: outbox and trip state'),
  devices: z.strictObject({
    rfid: RfidDeviceConfig,
    indicator: IndicatorDeviceConfig,
    lifter: LifterBoardConfig.optional().describe('Without it the lifter edges must come from elsewhere'),
    gps: z
      .strictObject({
        serial: serialDeviceSettingsSchema.extend({ baudRate: z.number().int().positive().default(4800) }),
      })
      .optional(),
    side: z.enum(['left', 'right', 'rear']).optional(),
  }),
  capacity: z.strictObject({
    maxPayloadG: z.number().int().positive().describe('Legal payload of the truck, grams'),
    bodyVolumeL: z.number().int().positive().describe('Body volume, litres'),
  }),
  weighing: z
    .strictObject({
      scaleIntervalG: z.number().int().positive().default(500).describe('Scale interval e (OIML R51)'),
      minimumG: Grams.optional().describe('Instrument minimum Min; default 10 e'),
    })
    .prefault({}),
  thresholds: z
    .strictObject({
      unloadMarginG: Grams.default(500_000).describe('Without a route: unload within this of the payload'),
      volumeMargin: Fraction.default(0.05).describe('Without a route: unload above 1 − this volume fill'),
      routeMarginG: Grams.default(50_000).describe('With a route: the next bin must fit with this to spare'),
      routeVolumeMargin: Fraction.default(0.02),
      unweighedAllowanceG: Grams.default(30_000).describe(
        'Mass assumed (for advice only) for an unweighed lift',
      ),
      compactedDensityKgM3: z.number().positive().default(350),
      unloadFullAbove: Fraction.default(0.2).describe('Unload detection: fill must have passed this…'),
      unloadEmptyBelow: Fraction.default(0.05).describe('…then fallen to this'),
      tagGraceMs: z
        .number()
        .int()
        .nonnegative()
        .default(3000)
        .describe('A tag read this long before hooking counts'),
      maxCycleMs: z
        .number()
        .int()
        .positive()
        .default(120_000)
        .describe('A lifter cycle open longer is closed'),
      clockJumpMs: z
        .number()
        .int()
        .positive()
        .default(2000)
        .describe('Wall vs monotonic clock step that is a jump'),
    })
    .prefault({}),
  status: z
    .strictObject({
      intervalS: z.number().int().min(5).max(3600).default(30).describe('TruckStatus at least this often'),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
      maxEntries: z.number().int().positive().default(200_000),
    })
    .prefault({}),
  broker: BrokerConfig,
  cabDisplay: z
    .strictObject({
      serial: serialDeviceSettingsSchema,
      width: z.number().int().min(8).max(80).default(20).describe('Characters per line'),
    })
    .optional()
    .describe('Serial text display in the cab (advice and last lift, one line each)'),
  cabScreen: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Serve the cab screen'),
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe(
          'Bind address: 127.0.0.1 for a screen on the truck computer, the cab LAN address for a tablet',
        ),
      port: z.number().int().min(0).max(65_535).default(8090).describe('HTTP port (0 picks a free one)'),
    })
    .optional()
    .describe('Cab screen served by the agent over HTTP (gauges, advice, last lift; no network needed)'),
});
export type TruckConfig = z.infer<typeof TruckConfig>;

/** The instrument minimum in force: configured, or 10 e (OIML R51 class Y(b)). */
export function minimumOf(config: TruckConfig): number {
  return config.weighing.minimumG ?? 10 * config.weighing.scaleIntervalG;
}

/** Result of checking a configuration: the config, or every problem found. */
export type TruckConfigCheck = { ok: true; config: TruckConfig } | { ok: false; problems: string[] };

/** Options of `checkTruckConfig`. */
export interface TruckConfigCheckOptions {
  /** Protocol names the decoder registry knows, per device role. */
  protocols?: { rfid: readonly string[]; indicator: readonly string[] };
  /** Check that referenced files exist and are readable (password, TLS). */
  checkFiles?: boolean;
  /** Directory relative file paths are resolved against. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Validates a parsed config object and reports every problem at once. */
export function checkTruckConfig(raw: unknown, options: TruckConfigCheckOptions = {}): TruckConfigCheck {
  const r = TruckConfig.safeParse(raw);
  if (!r.success) {
    return {
      ok: false,
      problems: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    };
  }
  const config = r.data;
  const problems: string[] = [];
  const { protocols } = options;
  if (protocols) {
    if (!protocols.rfid.includes(config.devices.rfid.protocol))
      problems.push(
        `devices.rfid.protocol: unknown "${config.devices.rfid.protocol}" (${protocols.rfid.join(', ')})`,
      );
    if (!protocols.indicator.includes(config.devices.indicator.protocol))
      problems.push(
        `devices.indicator.protocol: unknown "${config.devices.indicator.protocol}" (${protocols.indicator.join(', ')})`,
      );
  }
  const { thresholds: t, capacity } = config;
  if (t.unloadEmptyBelow >= t.unloadFullAbove)
    problems.push('thresholds.unloadEmptyBelow: must be below thresholds.unloadFullAbove');
  if (t.unloadMarginG >= capacity.maxPayloadG)
    problems.push('thresholds.unloadMarginG: must be below capacity.maxPayloadG');
  const env = options.env ?? process.env;
  const b = config.broker;
  if (b.passwordEnv && env[b.passwordEnv] === undefined)
    problems.push(`broker.passwordEnv: environment variable ${b.passwordEnv} is not set`);
  if (options.checkFiles) {
    const files: [string, string | undefined][] = [
      ['broker.passwordFile', b.passwordFile],
      ['broker.tls.ca', b.tls?.ca],
      ['broker.tls.cert', b.tls?.cert],
      ['broker.tls.key', b.tls?.key],
    ];
    for (const [where, file] of files) {
      if (!file) continue;
      const path = options.baseDir && !isAbsolute(file) ? resolve(options.baseDir, file) : file;
      try {
        accessSync(path, constants.R_OK);
      } catch {
        problems.push(`${where}: cannot read ${path}`);
      }
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, config };
}

/** Reads a YAML or JSON config file, then checks it; throws `EdgeError` (`config`) listing every problem. */
export function loadTruckConfig(
  file: string,
  options: Omit<TruckConfigCheckOptions, 'baseDir'> = {},
): TruckConfig {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new EdgeError(EdgeErrorCode.Config, `${file}: ${(e as Error).message}`, { cause: e });
  }
  const r = checkTruckConfig(raw, { ...options, baseDir: dirname(resolve(file)) });
  if (!r.ok) throw new EdgeError(EdgeErrorCode.Config, `${file}:\n  ${r.problems.join('\n  ')}`);
  return resolvePaths(r.config, dirname(resolve(file)));
}

/** Makes the config's file paths absolute, relative to the config file's directory. */
function resolvePaths(config: TruckConfig, baseDir: string): TruckConfig {
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(baseDir, p));
  const b = config.broker;
  return {
    ...config,
    dataDir: abs(config.dataDir) ?? config.dataDir,
    broker: {
      ...b,
      passwordFile: abs(b.passwordFile),
      tls: b.tls ? { ca: abs(b.tls.ca), cert: abs(b.tls.cert), key: abs(b.tls.key) } : undefined,
    },
  };
}
