import pino, { type Logger } from 'pino';

/**
 * The cloud's root logger: structured JSON on stdout, UTC ISO-8601 times with milliseconds.
 * Features take a child named after them (`cloud:broker`, `cloud:store`, …).
 */
export function createCloudLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { name: 'cloud' }, timestamp: pino.stdTimeFunctions.isoTime });
}
