import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialDevice } from './SerialDevice.js';

/** Options of a {@link PtyDeviceLink}. */
export interface PtyDeviceLinkOptions {
  /** Where the tty symlink goes; a fresh temp dir's `tty` by default (removed on stop). */
  linkPath?: string;
  /** socat binary. */
  socat?: string;
  /** How long socat may take to set the pty up, ms. */
  startTimeoutMs?: number;
}

/** Events of a {@link PtyDeviceLink}. */
export interface PtyDeviceLinkEvents {
  /** socat exited without being asked to (the link is gone). */
  exit: [info: { code: number | null; signal: NodeJS.Signals | null }];
}

/**
 * Puts a simulated device on a REAL pseudo-terminal, so that a real agent opens a real tty path
 * with the real serialport bindings. One `socat -d -d pty,rawer,link=<path> -` process: its
 * stdin/stdout are the device's side of the line (what the device sends goes to socat's stdin,
 * what the host writes to the tty comes out of socat's stdout), the pty slave is the host's side.
 *
 * `unplug()` kills socat (the link disappears and the host's open fd hangs up, as when a USB
 * adapter is pulled); `replug()` starts a new socat at the same link path. If this process
 * dies, socat sees EOF on its stdin and exits too: no orphan is left.
 */
export class PtyDeviceLink extends EventEmitter<PtyDeviceLinkEvents> {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private ownDir: string | undefined;
  private link: string | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly device: SerialDevice,
    private readonly options: PtyDeviceLinkOptions = {},
  ) {
    super();
  }

  /** The tty path the host opens (set once started). */
  get path(): string {
    if (!this.link) throw new Error('PtyDeviceLink is not started');
    return this.link;
  }

  /** True while socat runs. */
  get isUp(): boolean {
    return this.proc !== undefined;
  }

  /** Starts socat; resolves with the tty path once the pty is ready. */
  async start(): Promise<string> {
    if (!this.link) {
      if (this.options.linkPath) this.link = this.options.linkPath;
      else {
        this.ownDir = await mkdtemp(join(tmpdir(), 'releve-pty-'));
        this.link = join(this.ownDir, 'tty');
      }
    }
    if (this.proc) return this.link;
    const link = this.link;
    const proc = spawn(this.options.socat ?? 'socat', ['-d', '-d', `pty,rawer,link=${link}`, '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout.on('data', (chunk: Buffer) => this.device.write(Uint8Array.from(chunk)));
    // EPIPE when socat dies under a pending write: the exit event reports it.
    proc.stdin.on('error', () => {});
    this.unsubscribe = this.device.onData((bytes) => {
      if (this.proc === proc && proc.stdin.writable) proc.stdin.write(bytes);
    });
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.detach();
      this.emit('exit', { code, signal });
    });
    await waitForReady(proc, link, this.options.startTimeoutMs ?? 10_000);
    return link;
  }

  /** The adapter vanishes: socat is killed, the link removed; the host's fd hangs up. */
  async unplug(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.detach();
    await kill(proc);
  }

  /** The adapter comes back at the same path. */
  replug(): Promise<string> {
    return this.start();
  }

  /** Stops socat and removes the temp dir; nothing is left behind. */
  async stop(): Promise<void> {
    await this.unplug();
    if (this.ownDir) await rm(this.ownDir, { recursive: true, force: true });
    this.ownDir = undefined;
    this.link = undefined;
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.proc = undefined;
  }
}

/** Resolves when socat says its transfer loop runs and the link exists; rejects on exit or timeout. */
function waitForReady(proc: ChildProcessWithoutNullStreams, link: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      proc.stderr.off('data', onErr);
      proc.off('exit', onExit);
      proc.off('error', onSpawnError);
      // Keep draining stderr so socat never blocks on a full pipe.
      proc.stderr.resume();
      if (err) {
        proc.kill('SIGKILL');
        reject(err);
      } else resolve();
    };
    const onErr = (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (stderr.includes('starting data transfer loop') && existsSync(link)) done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`socat exited (${code}) before the pty was ready: ${stderr.trim()}`));
    const onSpawnError = (err: Error) => done(new Error(`cannot run socat: ${err.message}`));
    const timer = setTimeout(
      () => done(new Error(`socat did not set up ${link} within ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    proc.stderr.on('data', onErr);
    proc.once('exit', onExit);
    proc.once('error', onSpawnError);
  });
}

/** SIGTERM, then SIGKILL if socat lingers; resolves once it exited. */
function kill(proc: ChildProcessWithoutNullStreams): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), 2_000);
    proc.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    proc.stdin.end();
    proc.kill('SIGTERM');
  });
}
