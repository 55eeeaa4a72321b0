import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { CloudBroker, type CloudBrokerOptions } from '../../src/broker/CloudBroker.js';

/** A temp directory removed by `cleanup()`. */
export function tempDir(prefix = 'releve-broker-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A pino logger whose records are kept in memory, to assert what was logged. */
export function captureLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), records };
}

/** Writes a password file with the real mosquitto_passwd (`$7$` or, with sha512, `$6$`). */
export function mosquittoPasswd(file: string, user: string, password: string, hash?: 'sha512'): void {
  const args = [...(hash ? ['-H', hash] : []), '-b', file, user, password];
  try {
    execFileSync('mosquitto_passwd', args, { stdio: 'pipe' });
  } catch {
    // -b without -c on a missing file fails: create it
    execFileSync('mosquitto_passwd', [...(hash ? ['-H', hash] : []), '-c', '-b', file, user, password], {
      stdio: 'pipe',
    });
  }
}

/** Starts a broker on ephemeral loopback ports; unspecified options take test defaults. */
export async function startBroker(
  over: Partial<CloudBrokerOptions> = {},
): Promise<{ broker: CloudBroker; url: string; records: Record<string, unknown>[] }> {
  const { logger, records } = captureLogger();
  const broker = new CloudBroker({
    dataDir: null,
    mqtt: { host: '127.0.0.1', port: 0 },
    mqtts: null,
    ws: null,
    passwordFile: null,
    aclFile: null,
    allowAnonymous: false,
    maxPacketBytes: 1024 * 1024,
    logger,
    ...over,
  });
  await broker.start();
  return { broker, url: `mqtt://127.0.0.1:${broker.ports.mqtt}`, records };
}

/** Outcome of a connection attempt: the CONNACK return code (0 = accepted). */
export type ConnectOutcome =
  | { ok: true; client: MqttClient }
  | { ok: false; returnCode: number | null; error: string };

/** Connects once (no reconnect) and reports the CONNACK result. `before` sees the client first. */
export function tryConnect(
  url: string,
  opts: IClientOptions = {},
  before?: (c: MqttClient) => void,
): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 20_000,
      protocolVersion: 4,
      ...opts,
    });
    before?.(client);
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (e: Error & { code?: number }) => {
      client.end(true);
      resolve({ ok: false, returnCode: typeof e.code === 'number' ? e.code : null, error: e.message });
    });
    client.once('close', () => resolve({ ok: false, returnCode: null, error: 'closed' }));
  });
}

/** Connects and fails the test if refused. */
export async function connectOk(
  url: string,
  opts: IClientOptions = {},
  before?: (c: MqttClient) => void,
): Promise<MqttClient> {
  const r = await tryConnect(url, opts, before);
  if (!r.ok) throw new Error(`connect refused: ${r.error} (rc ${r.returnCode})`);
  return r.client;
}

/** A received message. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/**
 * Connects with a message collector attached before CONNECT goes out: messages a persistent
 * session gets right after CONNACK (possibly in the same TCP segment) are not missed.
 */
export async function connectCollecting(
  url: string,
  opts: IClientOptions = {},
): Promise<{ client: MqttClient; got: Received[] }> {
  let got: Received[] = [];
  const client = await connectOk(url, opts, (c) => {
    got = collect(c);
  });
  return { client, got };
}

/** Collects messages received by a client. */
export function collect(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    got.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  return got;
}

/** Runs cleanups in reverse order; used in afterEach/afterAll. */
export class Cleanup {
  private readonly fns: (() => unknown)[] = [];
  add(fn: () => unknown): void {
    this.fns.push(fn);
  }
  dir(path: string): string {
    this.add(() => rmSync(path, { recursive: true, force: true }));
    return path;
  }
  client(c: MqttClient): MqttClient {
    this.add(() => c.endAsync(true));
    return c;
  }
  async run(): Promise<void> {
    while (this.fns.length > 0) await this.fns.pop()?.();
  }
}

/** Writes a file and returns its path. */
export function writeText(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Sends raw bytes to a TCP port and returns what came back until the server closed (or timeout). */
export function rawExchange(
  port: number,
  bytes: Buffer,
  timeoutMs = 20_000,
): Promise<{ reply: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ reply: Buffer.concat(chunks), closed: false });
    }, timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks), closed: true });
    });
  });
}
