/**
 * Reading a beacon's Eddystone-TLM counters over time (eddystone-tlm/tlm-plain.md: ADV_CNT and
 * SEC_CNT reset together on reboot). Pure: samples in, a verdict out.
 *
 * Wall time is the referee. Between two TLM frames the beacon's uptime must advance by the
 * time that passed at the gateway (± a slack for the beacon's cheap RC clock, 3 %, and the
 * 0.1 s tick). Otherwise:
 * - the new uptime fits inside the time that passed → the beacon booted since: a reboot
 *   (unless ADV_CNT did not go back with SEC_CNT: counters must reset together);
 * - anything else (uptime ahead of wall time, or back without having booted since) cannot come
 *   from one device: two devices are sending this id — a suspected clone.
 */
export interface TlmSample {
  advCount: number;
  secCount: number;
  atMs: number;
}

export type TlmVerdict =
  | { kind: 'first' }
  | { kind: 'normal'; advRateHz: number | null }
  | { kind: 'reboot' }
  | { kind: 'anomaly'; reason: string };

const slackS = (elapsedS: number) => 2 + 0.03 * elapsedS;

/** Compares two consecutive TLM samples of one beacon. */
export function judgeTlm(prev: TlmSample | null, next: TlmSample): TlmVerdict {
  if (!prev) return { kind: 'first' };
  const elapsedS = Math.max(0, next.atMs - prev.atMs) / 1000;
  const dSecS = (next.secCount - prev.secCount) / 10;
  const dAdv = next.advCount - prev.advCount;
  const slack = slackS(elapsedS);
  if (Math.abs(dSecS - elapsedS) <= slack && dAdv >= 0) {
    return { kind: 'normal', advRateHz: dSecS > 0 ? dAdv / dSecS : null };
  }
  if (next.secCount / 10 <= elapsedS + slack) {
    // (Strictly more PDUs with less uptime; equal counts happen right after boot, both near 0.)
    if (dSecS < 0 && dAdv > 0) {
      return { kind: 'anomaly', reason: 'SEC_CNT went back but ADV_CNT did not' };
    }
    return { kind: 'reboot' };
  }
  if (dSecS > elapsedS) {
    return {
      kind: 'anomaly',
      reason: `uptime advanced ${dSecS.toFixed(1)} s in ${elapsedS.toFixed(1)} s of wall time`,
    };
  }
  return {
    kind: 'anomaly',
    reason: `counters went back (uptime ${(prev.secCount / 10).toFixed(1)} → ${(next.secCount / 10).toFixed(1)} s) without a reboot`,
  };
}
