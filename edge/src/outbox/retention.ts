import type { MessageKind } from '@releve/shared';

/**
 * What the outbox may throw away when it is full, by message kind.
 *
 * The bound (`maxEntries`) protects the device's storage during a very long outage; it is
 * never allowed to cost a billing record. When an event arrives and the outbox already holds
 * `maxEntries` events:
 *
 * 1. the oldest event of the lowest non-zero tier present is deleted (tier 1 before tier 2),
 *    then the new event is stored;
 * 2. if nothing droppable is stored and the new event is itself droppable, the new event is
 *    the one dropped (it is newer, but everything stored outranks it);
 * 3. if nothing droppable is stored and the new event is not droppable, it is stored anyway,
 *    above the bound, and counted as an overflow: lifts, alerts and footfall counts are never
 *    dropped; the disk is the real limit then.
 *
 * Every drop is counted (persisted) and reported in the device health.
 */
export const DropTier = {
  /** Never dropped: lifts (billing), alerts, footfall counts (the authority's evidence). */
  Never: 0,
  /** Snapshots superseded by the next one: truck status, gateway health. */
  Snapshot: 1,
  /** Observations that lose value with age: beacon sightings batches and TLM telemetry. */
  Observation: 2,
} as const;
export type DropTier = (typeof DropTier)[keyof typeof DropTier];

/** Kinds the outbox stores (device → cloud events with an id and a sequence number). */
export type OutboxKind =
  | 'lift'
  | 'truckStatus'
  | 'truckAlert'
  | 'sightings'
  | 'telemetry'
  | 'gatewayHealth'
  | 'footfall'
  | 'gatewayAlert';

const TIERS: Record<OutboxKind, DropTier> = {
  lift: DropTier.Never,
  truckAlert: DropTier.Never,
  gatewayAlert: DropTier.Never,
  footfall: DropTier.Never,
  truckStatus: DropTier.Snapshot,
  gatewayHealth: DropTier.Snapshot,
  sightings: DropTier.Observation,
  telemetry: DropTier.Observation,
};

/** True for the kinds the outbox accepts. */
export function isOutboxKind(kind: string): kind is OutboxKind {
  return Object.hasOwn(TIERS, kind);
}

/** The drop tier of an outbox kind (0 = never dropped). */
export function dropTierOf(kind: OutboxKind): DropTier {
  return TIERS[kind];
}

/** Kinds of `MessageKind` that are outbox kinds, for exhaustiveness checks in tests. */
export const OUTBOX_KINDS = Object.keys(TIERS) as OutboxKind[];

// Compile-time check: every outbox kind is a contract message kind.
const _kindsAreContractKinds: readonly MessageKind[] = OUTBOX_KINDS;
void _kindsAreContractKinds;
