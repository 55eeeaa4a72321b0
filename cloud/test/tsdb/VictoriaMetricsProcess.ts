import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from '@releve/shared/testing/index';

/** One series as returned by VictoriaMetrics' `/api/v1/export` (JSON lines). */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/**
 * A real VictoriaMetrics server (Debian package `victoria-metrics`) run by a test on a given
 * loopback port with its own storage directory. Deduplication at 1 ms keeps one sample per
 * timestamp, as the sink delivers at least once.
 */
export class VictoriaMetricsProcess {
  private child: ChildProcess | null = null;

  constructor(
    readonly port: number,
    private readonly storageDir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'victoria-metrics',
      [
        `-httpListenAddr=127.0.0.1:${this.port}`,
        `-storageDataPath=${this.storageDir}`,
        '-retentionPeriod=100y',
        '-dedup.minScrapeInterval=1ms',
        '-search.latencyOffset=0s',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`victoria-metrics exited: ${stderr}`);
        const r = await fetch(`${this.url}/health`).catch(() => null);
        return r?.ok ?? false;
      },
      20_000,
      'victoria-metrics /health',
    );
  }

  /** Stops the server and waits for it to exit (its data is on disk for the next start). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Every series whose name matches `nameRegex`, between two epoch-ms times. */
  async export(nameRegex: string, startMs: number, endMs: number): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const q = new URLSearchParams({
      'match[]': `{__name__=~"${nameRegex}"}`,
      start: String(Math.floor(startMs / 1000)),
      end: String(Math.ceil(endMs / 1000)),
    });
    const r = await fetch(`${this.url}/api/v1/export?${q}`);
    if (!r.ok) throw new Error(`export: HTTP ${r.status} ${await r.text()}`);
    return (await r.text())
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ExportedSeries);
  }
}
