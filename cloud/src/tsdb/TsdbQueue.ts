import Database from 'better-sqlite3';

/** A queued line-protocol line. */
export interface QueuedLine {
  seq: number;
  line: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tsdb_queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  line TEXT NOT NULL,
  queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tsdb_rejected (
  seq INTEGER PRIMARY KEY,
  line TEXT NOT NULL,
  queued_at TEXT NOT NULL,
  rejected_at TEXT NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL
);`;

/**
 * The durable queue of the time-series sink: every point is written here first (one SQLite
 * transaction per message), sent from here in `seq` order, and deleted only once the server
 * accepted it. A restarted process continues where the previous one stopped, so failed or
 * unsent points survive restarts. Lines the server refuses as malformed move to
 * `tsdb_rejected` instead of blocking the queue (kept, never silently dropped).
 *
 * Delivery is at least once: a crash between the server's answer and the delete resends a
 * batch. Rewriting a point is harmless in InfluxDB (same series and time overwrite);
 * VictoriaMetrics keeps one sample per timestamp when deduplication is on.
 */
export class TsdbQueue {
  private readonly insert: Database.Statement<[string, string]>;
  private readonly peekStmt: Database.Statement<[number]>;
  private readonly ackStmt: Database.Statement<[number]>;
  private readonly depthStmt: Database.Statement<[]>;

  /** @param ownsDb close `db` in `close()` (true when `open()` made it) */
  constructor(
    private readonly db: Database.Database,
    private readonly ownsDb = false,
  ) {
    db.exec(SCHEMA);
    this.insert = db.prepare('INSERT INTO tsdb_queue (line, queued_at) VALUES (?, ?)');
    this.peekStmt = db.prepare('SELECT seq, line FROM tsdb_queue ORDER BY seq LIMIT ?');
    this.ackStmt = db.prepare('DELETE FROM tsdb_queue WHERE seq <= ?');
    this.depthStmt = db.prepare('SELECT count(*) AS n FROM tsdb_queue');
  }

  /** Opens (or creates) a SQLite file holding the queue, e.g. `<dataDir>/tsdb-queue.sqlite`. */
  static open(path: string): TsdbQueue {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new TsdbQueue(db, true);
  }

  /** Appends lines in one transaction. */
  enqueue(lines: readonly string[], now = new Date()): void {
    if (lines.length === 0) return;
    const at = now.toISOString();
    this.db.transaction(() => {
      for (const l of lines) this.insert.run(l, at);
    })();
  }

  /** The oldest `limit` lines, not removed. */
  peek(limit: number): QueuedLine[] {
    return this.peekStmt.all(limit) as QueuedLine[];
  }

  /** Removes every line up to and including `seq` (the server accepted them). */
  ack(seq: number): void {
    this.ackStmt.run(seq);
  }

  /** Moves lines the server refused as malformed out of the queue, with why. */
  reject(lines: readonly QueuedLine[], status: number | null, reason: string, now = new Date()): void {
    const move = this.db.prepare(
      `INSERT OR REPLACE INTO tsdb_rejected (seq, line, queued_at, rejected_at, status, reason)
       SELECT seq, line, queued_at, ?, ?, ? FROM tsdb_queue WHERE seq = ?`,
    );
    const del = this.db.prepare('DELETE FROM tsdb_queue WHERE seq = ?');
    this.db.transaction(() => {
      for (const l of lines) {
        move.run(now.toISOString(), status, reason.slice(0, 1000), l.seq);
        del.run(l.seq);
      }
    })();
  }

  /** Lines waiting. */
  depth(): number {
    return (this.depthStmt.get() as { n: number }).n;
  }

  /** Lines the server refused. */
  rejected(): Array<QueuedLine & { status: number | null; reason: string }> {
    return this.db.prepare('SELECT seq, line, status, reason FROM tsdb_rejected ORDER BY seq').all() as Array<
      QueuedLine & { status: number | null; reason: string }
    >;
  }

  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
