import { classifiedIds, type LiftClassifier } from '../../src/billing/LiftClassifier.js';

/**
 * What a classifier found, in an order that does not depend on the order it was fed: billed
 * rows and review items sorted by lift id. Two ways of reading the same lifts must give equal
 * contents.
 */
export function classifiedContent(c: LiftClassifier) {
  const r = c.result();
  const rows = classifiedIds(r).map((id, i) => [
    id,
    r.times[i],
    r.days[i],
    r.nets[i],
    r.belowMinimum[i],
    r.holdings[i],
  ]);
  return {
    rows: rows.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    review: [...r.review].sort((a, b) => a.liftId.localeCompare(b.liftId)),
    liftsInPeriod: r.liftsInPeriod,
  };
}
