/** One dependency the cloud needs before it can serve (store open, broker listening, ingest subscribed). */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Result of `/readyz`. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, boolean>;
}

/**
 * The checks behind `/readyz`. Features register theirs at `start()` and remove them at
 * `stop()`; a check that throws counts as not ready. No check registered means not ready:
 * a cloud with nothing wired cannot serve.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** Registers a named check; returns the function that removes it. */
  register(name: string, check: ReadinessCheck): () => void {
    this.checks.set(name, check);
    return () => {
      if (this.checks.get(name) === check) this.checks.delete(name);
    };
  }

  /** Runs every check (concurrently, each at most `timeoutMs`). */
  async report(timeoutMs = 2000): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries);
    return { ready: entries.length > 0 && entries.every(([, ok]) => ok), checks };
  }
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
