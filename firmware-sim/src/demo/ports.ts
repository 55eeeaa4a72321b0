import { anyFreePort, portIsFree } from '@releve/shared/net/tcp';

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
