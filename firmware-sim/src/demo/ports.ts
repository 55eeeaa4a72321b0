import { createConnection, createServer } from 'node:net';

/** True when nothing listens on host:port (and we may bind it). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A port the kernel says is free now on host. */
export function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `wanted` when free, else a free port; `taken` collects a note for the banner. Ports already
 * handed out in this run are skipped (nothing listens on them yet).
 */
export async function choosePort(
  host: string,
  wanted: number,
  what: string,
  handedOut: Set<number>,
  notes: string[],
): Promise<number> {
  if (wanted > 0 && !handedOut.has(wanted) && (await portIsFree(host, wanted))) {
    handedOut.add(wanted);
    return wanted;
  }
  let port = await anyFreePort(host);
  while (handedOut.has(port)) port = await anyFreePort(host);
  handedOut.add(port);
  if (wanted > 0) notes.push(`port ${wanted} (${what}) is taken on this machine: using ${port}`);
  return port;
}

/** True once something accepts TCP connections on host:port. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
