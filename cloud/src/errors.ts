/**
 * Error codes of the `@releve/cloud` package. Branch on `code`, never on message text.
 * Each feature adds its own codes here (one error class per package).
 */
export const CloudErrorCode = {
  /** The configuration (file, flags, environment) is invalid; the message lists every problem. */
  Config: 'config',
  /** A Mosquitto password file line cannot be used. */
  PasswordFile: 'password-file',
  /** A Mosquitto ACL file line cannot be used. */
  AclFile: 'acl-file',
  /** A listener could not be opened (port taken, TLS files unreadable). */
  Listen: 'listen',
  /** A CLI command was given arguments it cannot act on. */
  Usage: 'usage',
  /** The store's data directory or database file cannot be opened. */
  StoreOpen: 'store-open',
  /** A schema migration failed, or the database is newer than this code. */
  StoreMigration: 'store-migration',
  /** A write transaction of the store failed (disk full, I/O error). */
  StoreWrite: 'store-write',
  /** Registry CSV files were rejected; the message lists every `file:line: problem`. */
  RegistryImport: 'registry-import',
  /** The ingest MQTT client could not connect or subscribe. */
  Ingest: 'ingest',
  /** The thing asked for does not exist (a household, an account). */
  NotFound: 'not-found',
  /** A tariff plan file is invalid; the message lists every problem. */
  TariffFile: 'tariff-file',
  /** The registry would make a bill wrong (a bin on two accounts at once, unknown accounts…). */
  BillingRegistry: 'billing-registry',
  /** A period that has not ended cannot be billed (only projected). */
  BillingPeriodOpen: 'billing-period-open',
  /** A bin volume has no price, or no tariff version covers a day. */
  BillingUnpriced: 'billing-unpriced',
} as const;
export type CloudErrorCode = (typeof CloudErrorCode)[keyof typeof CloudErrorCode];

/** The one error class of `@releve/cloud`; the code is part of the message. */
export class CloudError extends Error {
  override readonly name = 'CloudError';
  constructor(
    readonly code: CloudErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${detail}`, options);
  }
}
