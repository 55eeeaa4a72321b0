import type { LiftFlag } from '@releve/shared';
import type { LinkState, LinkStatus } from '../mqtt/DeviceLink.js';
import type { CollectionRecorder } from '../truck/CollectionRecorder.js';
import type { LiftDraft } from '../truck/LiftCycle.js';
import type { AdvisorSnapshot } from '../truck/UnloadAdvisor.js';

/** The last lift as the driver sees it. */
export interface CabLift {
  /** Canonical tag id, null when none was read. */
  tagId: string | null;
  netWeightG: number | null;
  flags: LiftFlag[];
  startedAt: string;
  /** On today's route (true), not on it (false), no route known (null). */
  onRoute: boolean | null;
}

/** Everything the cab screen shows, pushed to it on every change. */
export interface CabView extends AdvisorSnapshot {
  truckId: string;
  lastLift: CabLift | null;
  /** The last lift had no tag, or a tag not on the route; cleared by the next good lift. */
  unknownBin: CabLift | null;
  link: LinkState;
  /** Events waiting in the outbox for the broker. */
  outboxBacklog: number;
  /** When this view was made (UTC ISO-8601, ms). */
  at: string;
}

/** Where the cab screen reads from: the agent's recorder and link, or a test's stand-in. */
export interface CabSource {
  view(): CabView;
  /** Calls `onChange` whenever something the view shows may have changed; returns the unsubscribe. */
  subscribe(onChange: () => void): () => void;
}

/** The recorder's and link's parts the cab source uses. */
export interface AgentParts {
  recorder: Pick<CollectionRecorder, 'status' | 'on' | 'off'>;
  link: {
    status(): Pick<LinkStatus, 'state' | 'backlog'>;
    on(e: 'state', fn: () => void): unknown;
    off(e: 'state', fn: () => void): unknown;
  };
}

/**
 * The cab view over the running agent: figures from `CollectionRecorder.status()` (the same
 * ones the `TruckStatus` carries), the last lift and the unknown-bin alert from the recorder's
 * events, the link state from the `DeviceLink`.
 */
export class AgentCabSource implements CabSource {
  #lastLift: CabLift | null = null;
  #unknownBin: CabLift | null = null;
  readonly #listeners = new Set<() => void>();
  readonly #offs: (() => void)[] = [];

  constructor(private readonly parts: AgentParts) {
    const { recorder, link } = parts;
    const changed = () => {
      for (const fn of this.#listeners) fn();
    };
    const lift = (draft: LiftDraft, onRoute: boolean | null) => {
      const l: CabLift = {
        tagId: draft.tag?.id ?? null,
        netWeightG: draft.netWeightG,
        flags: [...draft.flags],
        startedAt: draft.startedAt,
        onRoute,
      };
      this.#lastLift = l;
      this.#unknownBin = l.tagId === null || onRoute === false ? l : null;
      changed();
    };
    recorder.on('lift', lift);
    recorder.on('advice', changed);
    recorder.on('trip', changed);
    link.on('state', changed);
    this.#offs.push(
      () => recorder.off('lift', lift),
      () => recorder.off('advice', changed),
      () => recorder.off('trip', changed),
      () => link.off('state', changed),
    );
  }

  view(): CabView {
    const s = this.parts.recorder.status();
    const link = this.parts.link.status();
    return {
      truckId: s.truckId,
      tripSeq: s.tripSeq,
      liftsThisTrip: s.liftsThisTrip,
      payloadG: s.payloadG,
      maxPayloadG: s.maxPayloadG,
      weightFill: s.weightFill,
      volumeFill: s.volumeFill,
      advice: s.advice,
      lastLift: this.#lastLift,
      unknownBin: this.#unknownBin,
      link: link.state,
      outboxBacklog: s.outboxBacklog,
      at: s.ts,
    };
  }

  subscribe(onChange: () => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }

  /** Stops listening to the agent. */
  close(): void {
    for (const off of this.#offs.splice(0)) off();
    this.#listeners.clear();
  }
}
