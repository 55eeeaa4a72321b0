import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/**
 * systemd's notify protocol (sd_notify(3)) for `Type=notify` units with `WatchdogSec=`: READY=1
 * after start-up, WATCHDOG=1 at half the watchdog period, STOPPING=1 at shutdown. Node has no
 * `AF_UNIX` datagram sockets, so the messages go through the `systemd-notify` command, which
 * needs `NotifyAccess=all` in the unit (the command is a child process, not the main PID).
 * Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.
 *
 * The agent pings from its housekeeping tick, so a blocked event loop or a tick that keeps
 * failing stops the pings and systemd restarts the agent.
 */
export class SystemdNotifier {
  private readonly enabled: boolean;
  private readonly watchdogEveryMs: number | null;
  private lastPing = Number.NEGATIVE_INFINITY;
  private failures = 0;

  constructor(
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = () => performance.now(),
    /** The notify command (tests put a recorder in its place). */
    private readonly command = 'systemd-notify',
  ) {
    this.enabled = Boolean(env.NOTIFY_SOCKET);
    const usec = Number(env.WATCHDOG_USEC);
    this.watchdogEveryMs = this.enabled && Number.isFinite(usec) && usec > 0 ? usec / 2000 : null;
  }

  /** Start-up done. */
  ready(): void {
    this.send('--ready');
  }

  /** Still alive: sends WATCHDOG=1 when half the watchdog period has passed since the last one. */
  watchdog(): void {
    if (this.watchdogEveryMs === null) return;
    const t = this.now();
    if (t - this.lastPing < this.watchdogEveryMs) return;
    this.lastPing = t;
    this.send('WATCHDOG=1');
  }

  /** Shutting down. */
  stopping(): void {
    this.send('STOPPING=1');
  }

  private send(arg: string): void {
    if (!this.enabled) return;
    execFile(this.command, [arg], (err) => {
      if (!err) return;
      this.failures += 1;
      if (this.failures <= 3) this.log.warn({ err: err.message, arg }, 'systemd-notify failed');
    });
  }
}
