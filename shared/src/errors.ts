/** Error codes of the `@releve/shared` package. Branch on `code`, never on message text. */
export const SharedErrorCode = {
  /** A payload is not valid JSON text. */
  NotJson: 'not-json',
  /** A payload is JSON but does not match the message schema of its topic. */
  Schema: 'schema',
  /** A topic is outside the versioned topic tree. */
  UnknownTopic: 'unknown-topic',
  /** A payload is larger than the contract allows. */
  Oversize: 'oversize',
  /** The device id inside a message differs from the device id in its topic. */
  DeviceMismatch: 'device-mismatch',
  /** Bytes that a protocol decoder cannot turn into a frame. */
  BadFrame: 'bad-frame',
} as const;
export type SharedErrorCode = (typeof SharedErrorCode)[keyof typeof SharedErrorCode];

/** The one error class of `@releve/shared`; the code is part of the message. */
export class SharedError extends Error {
  override readonly name = 'SharedError';
  constructor(
    readonly code: SharedErrorCode,
    detail: string,
  ) {
    super(`[${code}] ${detail}`);
  }
}
