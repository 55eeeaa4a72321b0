import { z } from 'zod';

/**
 * Thresholds of the beacon fleet's statuses: the single source of their defaults, types and
 * documentation (`docs/beacon-operations.md` explains each rule). Distances in metres,
 * durations in minutes or days as named, voltages in millivolts.
 */
export const FleetRules = z
  .object({
    silentAfterMin: z
      .number()
      .positive()
      .default(15)
      .describe('A beacon no gateway has heard for this long is `silent`'),
    lowBatteryMv: z
      .number()
      .int()
      .positive()
      .default(2200)
      .describe('Battery voltage at which a beacon counts as flat (CR2032/CR2477 cut-off zone)'),
    lowBatteryHorizonDays: z
      .number()
      .positive()
      .default(30)
      .describe('`low-battery` when the trend reaches `lowBatteryMv` within this many days'),
    trendDays: z.number().positive().default(30).describe('Telemetry used for the battery trend, days back'),
    trendMinPoints: z.number().int().min(2).default(3).describe('Fewest points for a battery estimate'),
    trendMinSpanHours: z
      .number()
      .positive()
      .default(1)
      .describe('Shortest time span of those points for a battery estimate'),
    batteryChangeRiseMv: z
      .number()
      .int()
      .positive()
      .default(150)
      .describe('A rise this large between two readings is a new battery: the trend restarts after it'),
    positionWindowMin: z
      .number()
      .positive()
      .default(15)
      .describe('Sightings used for the `moved` and cloud-side clone rules, minutes back'),
    movedMarginM: z
      .number()
      .positive()
      .default(30)
      .describe('How much farther than the nearest gateway the strongest one may be before `moved`'),
    movedDistanceFactor: z
      .number()
      .min(1)
      .default(3)
      .describe('Estimated vs registered distance to the nearest gateway: ratio beyond which `moved`'),
    movedMinSightings: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Sightings of the nearest gateway needed to judge the distance rule'),
    cloneNearM: z
      .number()
      .positive()
      .default(5)
      .describe('"Heard strongly": an estimated distance below this'),
    cloneSeparationM: z
      .number()
      .positive()
      .default(100)
      .describe('Two gateways farther apart than this cannot both be that close to one beacon'),
    cloneEvidenceMin: z
      .number()
      .positive()
      .default(60)
      .describe('How long a clone report (address mismatch, counter anomaly) keeps `suspected-clone`'),
    gatewayHealthStaleMin: z
      .number()
      .positive()
      .default(3)
      .describe('A gateway whose last health report is older than this is flagged `health-stale`'),
    rebootClusterS: z
      .number()
      .positive()
      .default(120)
      .describe('Reboot reports (from several gateways) whose boot times are this close are one reboot'),
  })
  .strict()
  .describe('Beacon fleet status rules');
export type FleetRules = z.infer<typeof FleetRules>;

/** The defaults. */
export const DEFAULT_FLEET_RULES: FleetRules = FleetRules.parse({});
