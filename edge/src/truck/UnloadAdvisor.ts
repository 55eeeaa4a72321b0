import type { RouteCommand, RouteStop, UnloadAdvice, UnloadReason } from '@releve/shared';
import type { LiftDraft } from './LiftCycle.js';

/** Settings of the advice (grams, fractions of the body volume). */
export interface UnloadAdvisorOptions {
  /** Legal payload of the truck: never advise continuing at or past it. */
  maxPayloadG: number;
  /** Body volume, litres (for the volume estimate of the next bins before any fill is seen). */
  bodyVolumeL: number;
  /** Without a route: unload when the load is within this of `maxPayloadG`. */
  unloadMarginG: number;
  /** Without a route: unload when the volume fill is above 1 − this. */
  volumeMargin: number;
  /** With a route: the next bin must fit with this much weight to spare (expected weights are typical, not exact). */
  routeMarginG: number;
  /** With a route: the next bin must fit with this much volume fill to spare. */
  routeVolumeMargin: number;
  /** Mass assumed for a lift the instrument could not weigh (no route estimate for it). */
  unweighedAllowanceG: number;
  /** Compacted density used to turn expected kg into volume fill until the trip shows its own. */
  compactedDensityKgM3: number;
  /** The body counts as having had a load once the fill passed this… */
  unloadFullAbove: number;
  /** …and as unloaded when it then falls to this or below (the ejector emptied the body). */
  unloadEmptyBelow: number;
}

/** What survives a restart: the trip and its route progress (see `TripStore`). */
export interface TripState {
  tripSeq: number;
  liftsThisTrip: number;
  /** Sum of the instrument's net weights this trip (flagged lifts included when weighed). */
  payloadG: number;
  /** Mass assumed for lifts the instrument could not weigh, used for advice only. */
  unweighedG: number;
  /** Highest fill seen this trip (unload detection). */
  peakVolumeFill: number;
  routeId: string | null;
  /** `order` of the route stops served this trip or earlier today. */
  servedOrders: number[];
}

/** The fields of `TruckStatus` the advisor owns. */
export interface AdvisorSnapshot {
  tripSeq: number;
  liftsThisTrip: number;
  payloadG: number;
  maxPayloadG: number;
  /** 0–1 (may pass 1 when overloaded). */
  weightFill: number;
  /** 0–1, null without a compactor pressure sensor. */
  volumeFill: number | null;
  advice: UnloadAdvice;
}

/** A fresh trip state (agent installed, nothing lifted yet). */
export function initialTripState(): TripState {
  return {
    tripSeq: 1,
    liftsThisTrip: 0,
    payloadG: 0,
    unweighedG: 0,
    peakVolumeFill: 0,
    routeId: null,
    servedOrders: [],
  };
}

/**
 * Weight and volume fill of the body and the unload advice, pure (no I/O, no timers).
 *
 * Weight: payload = sum of net lifts since the last unload. A flagged lift whose net is a real
 * instrument weight (no tag, below Min, clock unsynced) counts: that mass is in the truck even
 * if it cannot be billed. A lift with no net (unstable, overload, negative net) adds an
 * allowance — the route's expected weight for the bin, or `unweighedAllowanceG` — to the
 * load the advice uses, never to the reported payload.
 *
 * Advice, with a route: unload when the next expected bin would take the load past the legal
 * payload minus `routeMarginG`, or the volume past 1 − `routeVolumeMargin`; without a route:
 * within `unloadMarginG` / `volumeMargin` of the limits. At or past the legal payload the advice
 * is always to unload.
 *
 * Unload at the treatment site: an explicit `unloaded()` — the tailgate raised to eject the load
 * (the lifter board's tailgate sensor), or the driver's word — counts whatever the body held, a
 * partly filled last trip too. Without a tailgate sensor, the compactor fill falling to
 * `unloadEmptyBelow` after having passed `unloadFullAbove` is taken as the unload (the ejector
 * plate empties the body, the pressure falls to ~0); a body that never passed `unloadFullAbove`
 * cannot be told from an empty one that way. Either starts a new trip.
 */
export class UnloadAdvisor {
  private readonly options: UnloadAdvisorOptions;
  private readonly state: TripState;
  private route: RouteCommand | null = null;
  private volumeFill: number | null = null;
  private tagsNotOnRoute = 0;
  private unloads = 0;

  constructor(options: UnloadAdvisorOptions, state: TripState = initialTripState()) {
    this.options = { ...options };
    this.state = structuredClone(state);
  }

  /** Changes settings (a config command from the cloud). */
  updateOptions(patch: Partial<UnloadAdvisorOptions>): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined) (this.options as unknown as Record<string, unknown>)[k] = v;
    }
  }

  /** A copy of the state to persist. */
  get tripState(): TripState {
    return structuredClone(this.state);
  }

  /** Health counters of the advisor. */
  get health(): { tagsNotOnRoute: number; unloads: number } {
    return { tagsNotOnRoute: this.tagsNotOnRoute, unloads: this.unloads };
  }

  /** Today's route (null: no route). A different route id starts its progress afresh. */
  setRoute(route: RouteCommand | null): void {
    if (route && route.routeId !== this.state.routeId) {
      this.state.routeId = route.routeId;
      this.state.servedOrders = [];
    }
    this.route = route;
  }

  /** A booked lift: adds its mass and marks its route stop served. Returns whether its tag is on the route (null: no route or no tag). */
  lift(draft: LiftDraft): boolean | null {
    const s = this.state;
    s.liftsThisTrip += 1;
    const stop = this.serve(draft);
    const net = draft.netWeightG;
    if (net !== null && net >= 0) s.payloadG += net;
    else s.unweighedG += stop?.expectedWeightG ?? this.options.unweighedAllowanceG;
    if (!this.route || !draft.tag) return null;
    const onRoute = stop !== null && stop.tagId === draft.tag.id;
    if (!onRoute) this.tagsNotOnRoute += 1;
    return onRoute;
  }

  /** Compactor fill 0–1 (null: no sensor). Returns true when the fill says the body was unloaded. */
  volume(fill: number | null): boolean {
    this.volumeFill = fill;
    if (fill === null) return false;
    if (fill > this.state.peakVolumeFill) this.state.peakVolumeFill = fill;
    if (this.state.peakVolumeFill >= this.options.unloadFullAbove && fill <= this.options.unloadEmptyBelow) {
      return this.startTrip();
    }
    return false;
  }

  /**
   * The body was emptied at the treatment site (tailgate raised, or the driver says so), however
   * full it was: a new trip starts and the body counts as empty (volume fill 0 until the next
   * packing stroke measures it). Returns false when nothing was lifted this trip, so that the
   * tailgate and the fill drop signalling the same unload make one new trip.
   */
  unloaded(): boolean {
    if (this.volumeFill !== null) this.volumeFill = 0;
    return this.startTrip();
  }

  /** Starts a new trip if anything was lifted in this one. */
  private startTrip(): boolean {
    const s = this.state;
    if (s.liftsThisTrip === 0) {
      s.peakVolumeFill = this.volumeFill ?? 0;
      return false;
    }
    s.tripSeq += 1;
    s.liftsThisTrip = 0;
    s.payloadG = 0;
    s.unweighedG = 0;
    s.peakVolumeFill = this.volumeFill ?? 0;
    this.unloads += 1;
    return true;
  }

  /** The advisor's part of `TruckStatus`. */
  snapshot(): AdvisorSnapshot {
    const s = this.state;
    return {
      tripSeq: s.tripSeq,
      liftsThisTrip: s.liftsThisTrip,
      payloadG: s.payloadG,
      maxPayloadG: this.options.maxPayloadG,
      weightFill: s.payloadG / this.options.maxPayloadG,
      volumeFill: this.volumeFill,
      advice: this.advice(),
    };
  }

  /** The stops still ahead: not served, after the last one served, in driving order. */
  nextStops(): RouteStop[] {
    if (!this.route) return [];
    const served = new Set(this.state.servedOrders);
    const last = this.state.servedOrders.length ? Math.max(...this.state.servedOrders) : 0;
    return this.route.stops
      .filter((st) => st.order > last && !served.has(st.order))
      .sort((a, b) => a.order - b.order);
  }

  /** The advice for the load on board now. */
  advice(): UnloadAdvice {
    const o = this.options;
    const load = this.state.payloadG + this.state.unweighedG;
    if (load >= o.maxPayloadG) return unload('over-payload', 0);
    const fill = this.volumeFill;
    if (!this.route) {
      if (load >= o.maxPayloadG - o.unloadMarginG) return unload('weight-margin', 0);
      if (fill !== null && fill >= 1 - o.volumeMargin) return unload('volume-margin', 0);
      const avg = this.state.liftsThisTrip > 0 ? load / this.state.liftsThisTrip : 0;
      const binsUntilFull =
        avg > 0 ? Math.max(0, Math.floor((o.maxPayloadG - o.unloadMarginG - load) / avg)) : null;
      return { action: 'continue', reason: 'capacity-available', binsUntilFull };
    }
    const next = this.nextStops();
    if (next.length === 0) {
      return this.state.liftsThisTrip > 0 || load > 0
        ? unload('route-done', 0)
        : { action: 'continue', reason: 'capacity-available', binsUntilFull: 0 };
    }
    const fillPerG = this.fillPerGram();
    let w = load;
    let v = fill;
    let fits = 0;
    let limit: UnloadReason | null = null;
    for (const stop of next) {
      w += stop.expectedWeightG;
      if (v !== null) v += stop.expectedWeightG * fillPerG;
      if (w > o.maxPayloadG - o.routeMarginG) limit = 'weight-next-bins';
      else if (v !== null && v > 1 - o.routeVolumeMargin) limit = 'volume-next-bins';
      if (limit) break;
      fits += 1;
    }
    if (fits === 0 && limit) return unload(limit, 0);
    return { action: 'continue', reason: 'capacity-available', binsUntilFull: fits };
  }

  /** Volume fill a gram of waste adds: as seen this trip, else from the compacted density. */
  private fillPerGram(): number {
    const fill = this.volumeFill;
    const load = this.state.payloadG + this.state.unweighedG;
    if (fill !== null && fill >= 0.05 && load >= 100_000) return fill / load;
    return 1 / (this.options.compactedDensityKgM3 * this.options.bodyVolumeL);
  }

  /** Marks the stop a lift served: by tag, or for an untagged lift the next stop in order. */
  private serve(draft: LiftDraft): RouteStop | null {
    if (!this.route) return null;
    const served = new Set(this.state.servedOrders);
    const tagId = draft.tag?.id ?? null;
    const stop =
      tagId !== null
        ? this.route.stops.find((st) => st.tagId === tagId && !served.has(st.order))
        : this.nextStops()[0];
    if (!stop) return null;
    this.state.servedOrders.push(stop.order);
    return stop;
  }
}

function unload(reason: UnloadReason, binsUntilFull: number): UnloadAdvice {
  return { action: 'unload', reason, binsUntilFull };
}
