import type { FleetRules } from './FleetRules.js';
import type { GatewayRecord } from './FleetStore.js';

/** Status of a gateway: connected and scanning, connected but not scanning well, gone, never heard. */
export const GATEWAY_STATUSES = ['online', 'degraded', 'offline', 'never-connected'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

/** A gateway's status with what it is based on. */
export interface GatewayAssessment extends GatewayRecord {
  status: GatewayStatus;
  /** Why `degraded`: the scanner is not `scanning`, or the last health report is too old. */
  problems: ('scanner-not-scanning' | 'health-stale' | 'no-health')[];
}

/**
 * `offline` when its retained online state says so (clean shutdown or last will), `never-connected`
 * when it never sent one; otherwise `degraded` when the scanner is not scanning or its health
 * report (every 60 s) is older than `gatewayHealthStaleMin`, else `online`.
 */
export function assessGateway(g: GatewayRecord, rules: FleetRules, now: Date): GatewayAssessment {
  const problems: GatewayAssessment['problems'] = [];
  if (!g.health) problems.push('no-health');
  else {
    if (g.health.scanner !== 'scanning') problems.push('scanner-not-scanning');
    if (now.getTime() - Date.parse(g.health.ts) > rules.gatewayHealthStaleMin * 60_000)
      problems.push('health-stale');
  }
  let status: GatewayStatus;
  if (!g.online) status = 'never-connected';
  else if (g.online.state === 'offline') status = 'offline';
  else status = problems.length > 0 ? 'degraded' : 'online';
  return { ...g, status, problems };
}
