import { access, readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { MAX_PAYLOAD_BYTES } from '@releve/shared';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_ALLOWLIST_RADIUS_M } from '../beacons/AllowlistAssignment.js';
import { CloudError, CloudErrorCode } from '../errors.js';
import { TsdbSinkConfig } from '../tsdb/TsdbSinkConfig.js';

const Port = z.number().int().min(0).max(65_535);
const OptionalPort = Port.nullable().describe('TCP port; 0 picks a free one; null turns the listener off');
const FilePath = z.string().min(1);

/** The MQTT broker section. */
export const BrokerConfig = z
  .object({
    host: z
      .string()
      .min(1)
      .default('0.0.0.0')
      .describe('Address the MQTT listeners bind to (`serve --host` sets it and http.host)'),
    port: OptionalPort.default(1883).describe('MQTT over TCP (1883 is the IANA port)'),
    mqttsPort: OptionalPort.default(null).describe(
      'MQTT over TLS (8883 is the IANA port); needs tlsCert and tlsKey',
    ),
    wsPort: OptionalPort.default(null).describe('MQTT over WebSocket (binary frames, sub-protocol "mqtt")'),
    tlsCert: FilePath.nullable().default(null).describe('PEM certificate (chain) file of the TLS listener'),
    tlsKey: FilePath.nullable().default(null).describe('PEM private key file of the TLS listener'),
    passwordFile: FilePath.nullable()
      .default(null)
      .describe('Mosquitto password_file ($7$ or $6$ hashes); reloaded on SIGHUP'),
    aclFile: FilePath.nullable()
      .default(null)
      .describe('Mosquitto acl_file; without one every authenticated client may do everything'),
    allowAnonymous: z
      .boolean()
      .default(false)
      .describe('Let clients without a username in (ACL anonymous section); logs a warning'),
    maxPacketBytes: z
      .number()
      .int()
      .min(MAX_PAYLOAD_BYTES + 1024)
      .max(256 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest MQTT packet accepted (header included); larger closes the connection'),
  })
  .strict()
  .describe('MQTT broker');

/** Rules across fields of the broker section (zod skips them when a field has a type error). */
function brokerProblems(b: z.infer<typeof BrokerConfig>): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (b.mqttsPort !== null && (b.tlsCert === null || b.tlsKey === null)) {
    out.push({ path: ['broker', 'mqttsPort'], message: 'the TLS listener needs tlsCert and tlsKey' });
  }
  if ((b.tlsCert === null) !== (b.tlsKey === null)) {
    out.push({ path: ['broker', 'tlsKey'], message: 'tlsCert and tlsKey go together' });
  }
  if (b.port === null && b.mqttsPort === null && b.wsPort === null) {
    out.push({ path: ['broker'], message: 'no MQTT listener: set port, mqttsPort or wsPort' });
  }
  if (b.passwordFile === null && !b.allowAnonymous) {
    out.push({
      path: ['broker', 'passwordFile'],
      message: 'nobody could connect: give a password file, or allowAnonymous for a closed network',
    });
  }
  return out;
}

/**
 * The whole cloud configuration: the single source of defaults, types and documentation.
 * Every section is strict: an unknown key is reported with the other problems, never ignored.
 */
export const CloudConfig = z
  .object({
    dataDir: FilePath.default('.data').describe('Directory for MQTT sessions and the other stores'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    broker: BrokerConfig.prefault({}),
    http: z
      .object({
        host: z
          .string()
          .min(1)
          .default('0.0.0.0')
          .describe('Address the HTTP API binds to (`serve --host` sets it and broker.host)'),
        port: Port.default(8080).describe('HTTP API port (0 picks a free one)'),
        tileUrl: z
          .string()
          .regex(/^https?:\/\/\S+\{z\}\S*$/, 'a tile URL template with {z}, {x} and {y}')
          .nullable()
          .default(null)
          .describe(
            'Map tiles of the web pages (https://…/{z}/{x}/{y}.png); null draws plain SVG maps, offline',
          ),
        secureCookies: z
          .boolean()
          .default(false)
          .describe('Mark the web session cookie Secure (pages served over HTTPS)'),
      })
      .strict()
      .prefault({})
      .describe('HTTP API'),
    mqttUrl: z
      .string()
      .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'an MQTT URL: mqtt://host:port, mqtts://…, ws://…, wss://…')
      .nullable()
      .default(null)
      .describe('External broker (e.g. Mosquitto) for the ingest; the embedded broker is then not started'),
    ingest: z
      .object({
        clientId: z.string().min(1).max(64).default('releve-ingest').describe('Persistent-session client id'),
        username: z.string().min(1).nullable().default(null).describe('Ingest user on an external broker'),
        passwordFile: FilePath.nullable().default(null).describe("File holding that user's password"),
      })
      .strict()
      .prefault({})
      .describe('Ingest (used with mqttUrl; the embedded broker has its own internal user)'),
    tsdb: TsdbSinkConfig.strict()
      .nullable()
      .default(null)
      .describe('Optional export to an InfluxDB-v2-compatible server'),
    billing: z
      .object({ tariffFile: FilePath.nullable().default(null).describe('Tariff plan (docs/billing.md)') })
      .strict()
      .prefault({})
      .describe('Incentive billing'),
    beacons: z
      .object({
        pushAllowlists: z
          .boolean()
          .default(true)
          .describe(
            'Push each registered gateway its beacon allowlist from the registry (retained cmd/allowlist); false when another tool publishes them',
          ),
        allowlistRadiusM: z
          .number()
          .positive()
          .max(20_000)
          .default(DEFAULT_ALLOWLIST_RADIUS_M)
          .describe(
            'A gateway lists the registered beacons within this distance of its registered position, metres (BLE reach with margin; docs/beacons.md)',
          ),
      })
      .strict()
      .prefault({})
      .describe('Beacon network'),
  })
  // an unknown key is a typo: stripping it would, for `aclFle`, run the broker without its ACL
  .strict()
  .superRefine((c, ctx) => {
    if (c.mqttUrl !== null) return;
    for (const p of brokerProblems(c.broker)) ctx.addIssue({ code: 'custom', ...p });
  })
  .describe('Relevé cloud configuration');
export type CloudConfig = z.infer<typeof CloudConfig>;
/** Input shape (every field optional), as in a config file or from CLI flags. */
export type CloudConfigInput = z.input<typeof CloudConfig>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; `undefined` in `over` keeps the base value. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v !== undefined) out[k] = mergeConfig(base[k], v);
  }
  return out;
}

/** Paths in a config file are relative to the file, not to the working directory. */
function resolvePathsFrom(dir: string, raw: unknown): void {
  if (!isObject(raw)) return;
  const fix = (o: Record<string, unknown>, key: string) => {
    const v = o[key];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) o[key] = resolve(dir, v);
  };
  fix(raw, 'dataDir');
  if (isObject(raw.billing)) fix(raw.billing, 'tariffFile');
  if (isObject(raw.ingest)) fix(raw.ingest, 'passwordFile');
  if (isObject(raw.broker))
    for (const k of ['passwordFile', 'aclFile', 'tlsCert', 'tlsKey']) fix(raw.broker, k);
}

/** Reads a JSON or YAML configuration file without checking it; relative paths made absolute. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CloudError(CloudErrorCode.Config, `cannot read config file ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : (parseYaml(text) ?? {});
  } catch (e) {
    throw new CloudError(CloudErrorCode.Config, `${file} is not valid JSON/YAML: ${(e as Error).message}`);
  }
  resolvePathsFrom(dirname(file), raw);
  return raw;
}

/**
 * Builds the configuration from a JSON or YAML file (optional) and overrides (CLI flags win),
 * then checks it. Relative paths in the file are taken from the file's directory.
 * Every problem — schema, missing files — is reported at once in one
 * `CloudError` (config).
 */
export async function loadCloudConfig(
  file: string | null,
  overrides: CloudConfigInput = {},
): Promise<CloudConfig> {
  const fromFile = file ? await readConfigFile(file) : {};
  const merged = mergeConfig(fromFile, overrides);
  const r = CloudConfig.safeParse(merged);
  const problems = r.success
    ? []
    : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const broker = isObject(merged) && isObject(merged.broker) ? merged.broker : {};
  const external = isObject(merged) && typeof merged.mqttUrl === 'string';
  if (!r.success && !external) {
    // a type error elsewhere stops zod before the cross-field rules: run them on the broker alone
    // (an unknown key in it is already reported; it must not hide the cross-field problems)
    const b = BrokerConfig.strip().safeParse(broker);
    if (b.success) {
      for (const p of brokerProblems(b.data)) {
        const line = `${p.path.join('.')}: ${p.message}`;
        if (!problems.includes(line)) problems.push(line);
      }
    }
  }
  // files are checked even when the schema failed, so one run shows every problem
  for (const key of ['passwordFile', 'aclFile', 'tlsCert', 'tlsKey']) {
    const path = broker[key];
    if (typeof path === 'string' && path !== '') {
      await access(path).catch(() => problems.push(`broker.${key}: cannot read ${path}`));
    }
  }
  const billing = isObject(merged) && isObject(merged.billing) ? merged.billing : {};
  const ingest = isObject(merged) && isObject(merged.ingest) ? merged.ingest : {};
  for (const [where, path] of [
    ['billing.tariffFile', billing.tariffFile],
    ['ingest.passwordFile', ingest.passwordFile],
  ] as const) {
    if (typeof path === 'string' && path !== '')
      await access(path).catch(() => problems.push(`${where}: cannot read ${path}`));
  }
  if (problems.length > 0 || !r.success) {
    throw new CloudError(
      CloudErrorCode.Config,
      `invalid configuration${file ? ` (${file})` : ''}:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return r.data;
}
