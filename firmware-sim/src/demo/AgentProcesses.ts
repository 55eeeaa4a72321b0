import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root (where `npm start` runs), from this file's place in `firmware-sim/src/demo`. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The bins of the agents the demo runs, as an operator would call them. */
export const BINS = {
  cloud: fileURLToPath(new URL('../../../cloud/bin/releve-cloud.js', import.meta.url)),
  truck: fileURLToPath(new URL('../../../edge/bin/releve-truck.js', import.meta.url)),
  gateway: fileURLToPath(new URL('../../../edge/bin/releve-gateway.js', import.meta.url)),
} as const;

/** One running agent process. */
export interface AgentProcess {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or the signal name) once it exited. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
}

/**
 * The agent processes of the demo (cloud, truck agents, gateways): each a real CLI run by the
 * same node, its stdout and stderr appended to a log file. Each gets its own process group, so
 * a Ctrl-C in the terminal reaches only the runner, which stops them in order (devices first,
 * so their last messages reach the broker, then the cloud) with one SIGTERM each, and SIGKILL
 * for one that does not exit in time.
 */
export class AgentProcesses {
  readonly #running: AgentProcess[] = [];
  #onUnexpectedExit: (p: AgentProcess, code: number | string) => void = () => {};
  #onStart: () => void = () => {};
  #stopping = false;

  /** Called when an agent exits while the demo is not stopping. */
  onUnexpectedExit(fn: (p: AgentProcess, code: number | string) => void): void {
    this.#onUnexpectedExit = fn;
  }

  /** Called after each agent started (the runner records their ids). */
  onStart(fn: () => void): void {
    this.#onStart = fn;
  }

  /** Starts `node <bin> <args…>` with its output going to `logFile`. */
  start(
    name: string,
    bin: string,
    args: string[],
    logFile: string,
    env: NodeJS.ProcessEnv = {},
  ): AgentProcess {
    const fd = openSync(logFile, 'a');
    writeSync(fd, `\n--- ${new Date().toISOString()} ${name}: ${bin} ${args.join(' ')}\n`);
    let proc: ChildProcess;
    try {
      proc = spawn(process.execPath, [bin, ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    let done = false;
    const exited = new Promise<number | string>((resolve) => {
      proc.once('exit', (code, signal) => {
        done = true;
        resolve(code ?? signal ?? 'unknown');
      });
      proc.once('error', (err) => {
        done = true;
        resolve(err.message);
      });
    });
    const agent: AgentProcess = { name, proc, logFile, exited, hasExited: () => done };
    void exited.then((code) => {
      if (!this.#stopping) this.#onUnexpectedExit(agent, code);
    });
    this.#running.push(agent);
    this.#onStart();
    return agent;
  }

  /** Every agent started, in start order. */
  get all(): readonly AgentProcess[] {
    return this.#running;
  }

  /** Process ids of the agents still running. */
  pids(): number[] {
    return this.#running
      .filter((a) => !a.hasExited() && a.proc.pid !== undefined)
      .map((a) => a.proc.pid as number);
  }

  /** Marks the demo as stopping: exits from now on are expected. */
  beginStop(): void {
    this.#stopping = true;
  }

  /** SIGTERM to the named agents at once, SIGKILL to any still there after `graceMs`; resolves when all exited. */
  async stop(names: readonly string[], graceMs = 15_000): Promise<void> {
    this.#stopping = true;
    const targets = this.#running.filter((a) => names.includes(a.name) && !a.hasExited());
    await Promise.all(targets.map((a) => stopOne(a, graceMs)));
  }
}

async function stopOne(a: AgentProcess, graceMs: number): Promise<void> {
  a.proc.kill('SIGTERM');
  const hard = setTimeout(() => {
    if (!a.hasExited()) a.proc.kill('SIGKILL');
  }, graceMs);
  await a.exited;
  clearTimeout(hard);
}
