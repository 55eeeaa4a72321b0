import type { UnloadAdvice } from '@releve/shared';
import type { Logger } from 'pino';
import type { SerialTransport } from '../serial/SerialTransport.js';
import type { LiftDraft } from './LiftCycle.js';

/** Line 1: what the driver should do. */
export function adviceLine(advice: UnloadAdvice): string {
  if (advice.action === 'continue') {
    return advice.binsUntilFull === null ? 'CONTINUE' : `CONTINUE ${advice.binsUntilFull} BINS FIT`;
  }
  const why: Record<UnloadAdvice['reason'], string> = {
    'capacity-available': '',
    'weight-next-bins': 'NEXT BIN TOO HEAVY',
    'volume-next-bins': 'BODY NEARLY FULL',
    'weight-margin': 'PAYLOAD NEAR LIMIT',
    'volume-margin': 'BODY NEARLY FULL',
    'over-payload': 'PAYLOAD LIMIT!',
    'route-done': 'ROUTE DONE',
  };
  return `UNLOAD ${why[advice.reason]}`.trim();
}

/** Line 2: the last lift (tag, net kg, first flag). */
export function liftLine(lift: LiftDraft): string {
  const tag = lift.tag?.id ?? 'NO TAG';
  const net = lift.netWeightG === null ? '--' : `${(lift.netWeightG / 1000).toFixed(1)} kg`;
  const flag = lift.flags[0] ? ` ${lift.flags[0].toUpperCase()}` : '';
  return `${tag} ${net}${flag}`;
}

/**
 * A serial text display in the cab: two lines, the advice and the last lift. It speaks plain
 * ASCII — form feed (0x0C) clears the screen, CR LF ends a line — which serial character
 * displays (VFD pole displays in their default mode, LCD serial backpacks) accept; displays
 * needing vendor control codes are not covered. Rewritten whole after a reopen.
 */
export class CabDisplay {
  private lines: [string, string] = ['RELEVE', ''];

  constructor(
    private readonly port: SerialTransport,
    private readonly log: Logger,
    private readonly width = 20,
  ) {
    port.on('open', () => this.render());
  }

  /** The advice changed. */
  advice(advice: UnloadAdvice): void {
    this.lines[0] = adviceLine(advice);
    this.render();
  }

  /** A lift was booked. */
  lift(lift: LiftDraft): void {
    this.lines[1] = liftLine(lift);
    this.render();
  }

  start(): void {
    this.port.start();
  }

  stop(): Promise<void> {
    return this.port.stop();
  }

  private render(): void {
    if (!this.port.isOpen) return;
    const text = this.lines.map((l) => l.slice(0, this.width).replace(/[^\x20-\x7e]/g, '?')).join('\r\n');
    this.port
      .write(Buffer.from(`\f${text}\r\n`, 'ascii'))
      .catch((e: Error) => this.log.debug({ err: e.message }, 'cab display write failed'));
  }
}
