/**
 * Error codes of the `@releve/edge` package. Branch on `code`, never on message text.
 * Each feature adds its own codes here (one error class per package).
 */
export const EdgeErrorCode = {
  /** A serial port is not open (adapter unplugged, reopening, or the transport is stopped). */
  PortClosed: 'port-closed',
  /** A serial port could not be opened or written (the operating system's error is the cause). */
  SerialIo: 'serial-io',
  /** The Firmata board did not complete its handshake (no REPORT_VERSION / firmware answer). */
  BoardHandshake: 'board-handshake',
  /** A board, pin or device setting cannot be used. */
  Config: 'config',
  /** A message handed to the outbox does not match its contract schema (a bug upstream): not stored. */
  OutboxInvalidMessage: 'outbox-invalid-message',
  /** The outbox cannot take this kind of message (cloud → device, online state, other device class). */
  OutboxKind: 'outbox-kind',
  /** The outbox database was written by a newer agent (its schema version is unknown here). */
  OutboxSchemaTooNew: 'outbox-schema-too-new',
  /** The outbox is closed. */
  OutboxClosed: 'outbox-closed',
  /** MQTT link credentials or TLS files are missing or unreadable. */
  LinkCredentials: 'link-credentials',
  /** The MQTT link is stopped. */
  LinkStopped: 'link-stopped',
  /** No Bluetooth adapter (EAFNOSUPPORT/ENODEV, or noble reports `unsupported`/`poweredOff`). */
  BleNoAdapter: 'ble-no-adapter',
  /** The BLE adapter is there but the process may not open a raw HCI socket (CAP_NET_RAW). */
  BleNoPermission: 'ble-no-permission',
  /** The cab screen's HTTP port cannot be bound (taken, or the address is not on this machine). */
  CabListen: 'cab-listen',
} as const;
export type EdgeErrorCode = (typeof EdgeErrorCode)[keyof typeof EdgeErrorCode];

/** The one error class of `@releve/edge`; the code is part of the message. */
export class EdgeError extends Error {
  override readonly name = 'EdgeError';
  constructor(
    readonly code: EdgeErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`[${code}] ${detail}`, options);
  }
}
