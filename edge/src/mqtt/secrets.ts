import { readFileSync } from 'node:fs';
import { EdgeError, EdgeErrorCode } from '../errors.js';

/** Where a device finds its broker secrets. Nothing secret lives in code or in the config file. */
export interface LinkSecretSources {
  /** File holding the MQTT password (first line; a trailing newline is ignored). */
  passwordFile?: string;
  /** Environment variable holding the password when no file is given. */
  passwordEnv?: string;
  /** PEM CA bundle the broker certificate must chain to (`mqtts://`). */
  caFile?: string;
  /** PEM client certificate and key, for brokers that require client certificates. */
  certFile?: string;
  keyFile?: string;
}

/** Secrets read from files and the environment, ready for `DeviceLink`. */
export interface LinkSecrets {
  password?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** Default environment variable for the device's MQTT password. */
export const DEFAULT_PASSWORD_ENV = 'RELEVE_MQTT_PASSWORD';

function readSecretFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new EdgeError(
      EdgeErrorCode.LinkCredentials,
      `cannot read ${what} ${path}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Reads the device's MQTT password and TLS material. Every problem is reported at once (one
 * error listing them all) so a misconfigured device is fixed in one visit.
 */
export function loadLinkSecrets(
  sources: LinkSecretSources,
  env: NodeJS.ProcessEnv = process.env,
): LinkSecrets {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  let password: string | undefined;
  if (sources.passwordFile) {
    const file = attempt(() => readSecretFile(sources.passwordFile ?? '', 'password file'));
    if (file) {
      password = file.toString('utf8').split(/\r?\n/, 1)[0] ?? '';
      if (password === '') problems.push(`password file ${sources.passwordFile} is empty`);
    }
  } else {
    password = env[sources.passwordEnv ?? DEFAULT_PASSWORD_ENV] || undefined;
  }
  if (Boolean(sources.certFile) !== Boolean(sources.keyFile)) {
    problems.push('a client certificate needs both certFile and keyFile');
  }
  const tls: NonNullable<LinkSecrets['tls']> = {};
  if (sources.caFile) tls.ca = attempt(() => readSecretFile(sources.caFile ?? '', 'CA file'));
  if (sources.certFile) tls.cert = attempt(() => readSecretFile(sources.certFile ?? '', 'certificate file'));
  if (sources.keyFile) tls.key = attempt(() => readSecretFile(sources.keyFile ?? '', 'key file'));
  if (problems.length > 0) {
    throw new EdgeError(EdgeErrorCode.LinkCredentials, problems.join('; '));
  }
  const secrets: LinkSecrets = {};
  if (password !== undefined) secrets.password = password;
  if (Object.keys(tls).length > 0) secrets.tls = tls;
  return secrets;
}
