import { z } from 'zod';

/**
 * How one serial device on the truck is wired: the tty path and the line settings its manual
 * gives. Defaults are the weighing indicators' and RFID modules' usual 9600 8N1
 * (see `/work/shared/domain.md` §2). The truck agent's config schema embeds this one.
 */
export const serialDeviceSettingsSchema = z.strictObject({
  /** Device path: `/dev/ttyUSB0`, a udev `/dev/serial/by-id/…` link, or a pty link in tests. */
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
});

/** Line settings of one serial device, defaults applied. */
export type SerialDeviceSettings = z.infer<typeof serialDeviceSettingsSchema>;

/** How a lost port is reopened: exponential backoff, capped, with jitter. */
export const reopenPolicySchema = z.strictObject({
  /** Delay before the first reopen attempt, ms. */
  initialDelayMs: z.number().int().positive().default(200),
  /** Delay never grows past this, ms. */
  maxDelayMs: z.number().int().positive().default(10_000),
  /** Each failed attempt multiplies the delay by this. */
  factor: z.number().min(1).default(2),
  /** Fraction (0–1) of the delay taken off at random, so that several ports do not retry in step. */
  jitter: z.number().min(0).max(1).default(0.3),
});

/** Reopen policy, defaults applied. */
export type ReopenPolicy = z.infer<typeof reopenPolicySchema>;

/**
 * Delay before reopen attempt number `attempt` (0 for the first after a loss):
 * `min(maxDelayMs, initialDelayMs · factor^attempt)`, minus up to `jitter` of it at random.
 * Pure; `random` returns a number in [0, 1).
 */
export function reopenDelayMs(
  attempt: number,
  policy: ReopenPolicy,
  random: () => number = Math.random,
): number {
  const grown = policy.initialDelayMs * policy.factor ** Math.max(0, attempt);
  const capped = Math.min(policy.maxDelayMs, grown);
  return Math.max(1, Math.round(capped * (1 - policy.jitter * random())));
}
