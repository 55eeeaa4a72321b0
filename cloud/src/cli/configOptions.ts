import { type Command, InvalidArgumentError } from 'commander';
import type { CloudConfigInput } from '../config/CloudConfig.js';

/** Options shared by `serve`, `device add` and `user add`, as commander gives them. */
export interface ConfigFlags {
  config?: string;
  dataDir?: string;
  mqttPort?: number;
  mqttsPort?: number;
  wsPort?: number;
  httpPort?: number;
  host?: string;
  passwordFile?: string;
  aclFile?: string;
  allowAnonymous?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  maxPacketBytes?: number;
  logLevel?: string;
  mqttUrl?: string;
  tariffFile?: string;
}

/** Commander parser of a non-negative integer option. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** Adds the options that locate the configuration and the credential files. */
export function addFileOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration file (JSON or YAML); flags override it')
    .option('--data-dir <dir>', 'data directory (default .data)')
    .option('--password-file <file>', 'Mosquitto password_file')
    .option('--acl-file <file>', 'Mosquitto acl_file');
}

/** Adds every option of `serve`. */
export function addServeOptions(cmd: Command): Command {
  return addFileOptions(cmd)
    .option(
      '--host <address>',
      'address the MQTT and HTTP listeners bind to (default 0.0.0.0; overrides broker.host and http.host)',
    )
    .option('--mqtt-port <port>', 'MQTT over TCP (default 1883; 0 = a free port)', integer)
    .option('--mqtts-port <port>', 'MQTT over TLS (needs --tls-cert and --tls-key)', integer)
    .option('--ws-port <port>', 'MQTT over WebSocket', integer)
    .option('--http-port <port>', 'HTTP API port (default 8080)', integer)
    .option('--tls-cert <file>', 'PEM certificate of the TLS listener')
    .option('--tls-key <file>', 'PEM private key of the TLS listener')
    .option('--allow-anonymous', 'let clients without a username in (logs a warning)')
    .option('--max-packet-bytes <n>', 'largest MQTT packet accepted (default 1048576)', integer)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (default info)')
    .option(
      '--mqtt-url <url>',
      'use this external broker (e.g. mqtt://127.0.0.1:1883) instead of the embedded one',
    )
    .option('--tariff-file <file>', 'tariff plan for billing (docs/billing.md)');
}

/** The configuration overrides the flags stand for (unset flags leave the file's values). */
export function flagsToConfig(f: ConfigFlags): CloudConfigInput {
  return {
    dataDir: f.dataDir,
    logLevel: f.logLevel as CloudConfigInput['logLevel'],
    broker: {
      host: f.host,
      port: f.mqttPort,
      mqttsPort: f.mqttsPort,
      wsPort: f.wsPort,
      tlsCert: f.tlsCert,
      tlsKey: f.tlsKey,
      passwordFile: f.passwordFile,
      aclFile: f.aclFile,
      allowAnonymous: f.allowAnonymous,
      maxPacketBytes: f.maxPacketBytes,
    },
    // one address for every listener: `--host 127.0.0.1` must not leave the HTTP API on 0.0.0.0
    http: { host: f.host, port: f.httpPort },
    mqttUrl: f.mqttUrl,
    billing: { tariffFile: f.tariffFile },
  };
}
