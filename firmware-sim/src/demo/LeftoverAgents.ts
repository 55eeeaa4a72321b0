import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The agents of a run, by process id, in `<data>/agents.pid.json`. Each agent runs in its own
 * process group (so Ctrl-C reaches the runner only); if the runner itself is killed with
 * SIGKILL they outlive it. The next run on the same data directory ends them first: only the
 * ids this file lists, and only if their command line still names the data directory (a
 * recycled id belongs to someone else and is left alone).
 */
export class LeftoverAgents {
  constructor(
    private readonly file: string,
    private readonly dataDir: string,
  ) {}

  /** Records the ids of the agents now running. */
  record(pids: readonly number[]): void {
    writeFileSync(this.file, `${JSON.stringify(pids)}\n`);
  }

  /** Forgets them (after a clean stop). */
  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** SIGTERMs the agents a killed run left behind, SIGKILL after `graceMs`; returns how many. */
  async end(graceMs = 10_000): Promise<number> {
    let pids: number[];
    try {
      pids = JSON.parse(readFileSync(this.file, 'utf8')) as number[];
    } catch {
      return 0;
    }
    const ours = pids.filter((pid) => Number.isInteger(pid) && this.#names(pid));
    for (const pid of ours) signal(pid, 'SIGTERM');
    const end = Date.now() + graceMs;
    while (ours.some((pid) => this.#names(pid)) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 200));
    for (const pid of ours) if (this.#names(pid)) signal(pid, 'SIGKILL');
    this.clear();
    return ours.length;
  }

  /** True while `pid` runs with the data directory in its command line (Linux /proc). */
  #names(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dataDir);
    } catch {
      return false;
    }
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
