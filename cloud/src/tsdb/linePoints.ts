import { Point } from '@influxdata/influxdb-client';
import type { MessageKind, MessageOf } from '@releve/shared';

/**
 * Device messages as InfluxDB line-protocol points (line protocol reference:
 * https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/), timestamps in
 * milliseconds (the writes use `precision=ms`). Escaping is the client library's `Point`.
 *
 * Only numbers are exported: VictoriaMetrics stores `<measurement>_<field>` series and drops
 * string fields. Personal data stays out: a lift carries its truck, never its bin tag or
 * account; a beacon sighting carries beacon and gateway ids only.
 */
export function pointsFor(kind: MessageKind, message: MessageOf<MessageKind>): string[] {
  const points = build(kind, message);
  return points.map((p) => p.toLineProtocol()).filter((l): l is string => l !== undefined);
}

function ms(utc: string): string {
  return String(Date.parse(utc));
}

function optionalInt(p: Point, name: string, v: number | null | undefined): Point {
  return v === null || v === undefined ? p : p.intField(name, v);
}

function optionalFloat(p: Point, name: string, v: number | null | undefined): Point {
  return v === null || v === undefined ? p : p.floatField(name, v);
}

function build(kind: MessageKind, message: MessageOf<MessageKind>): Point[] {
  switch (kind) {
    case 'lift': {
      const m = message as MessageOf<'lift'>;
      let p = new Point('releve_lift')
        .tag('truck', m.truckId)
        .tag('billable', m.flags.length === 0 ? 'true' : 'false')
        .tag('tag_scheme', m.tag?.scheme ?? 'none')
        .intField('count', 1)
        .intField('flags', m.flags.length)
        .timestamp(ms(m.startedAt));
      p = optionalInt(p, 'net_g', m.netWeightG);
      p = optionalInt(p, 'gross_g', m.grossWeightG);
      return [optionalInt(p, 'tare_g', m.tareWeightG)];
    }
    case 'truckStatus': {
      const m = message as MessageOf<'truckStatus'>;
      const p = new Point('releve_truck')
        .tag('truck', m.truckId)
        .intField('payload_g', m.payloadG)
        .intField('max_payload_g', m.maxPayloadG)
        .floatField('weight_fill', m.weightFill)
        .intField('lifts_this_trip', m.liftsThisTrip)
        .intField('trip_seq', m.tripSeq)
        .intField('outbox_backlog', m.outboxBacklog)
        .intField('unload_advised', m.advice.action === 'unload' ? 1 : 0)
        .timestamp(ms(m.ts));
      return [optionalFloat(p, 'volume_fill', m.volumeFill)];
    }
    case 'telemetry': {
      const m = message as MessageOf<'telemetry'>;
      let p = new Point('releve_beacon')
        .tag('beacon', m.beaconId)
        .tag('gateway', m.gatewayId)
        .intField('adv_count', m.advCount)
        .floatField('uptime_s', m.uptimeS)
        .intField('rebooted', m.rebooted ? 1 : 0)
        .intField('counter_anomaly', m.counterAnomaly ? 1 : 0)
        .timestamp(ms(m.ts));
      p = optionalInt(p, 'battery_mv', m.batteryMv);
      p = optionalFloat(p, 'temperature_c', m.temperatureC);
      return [optionalFloat(p, 'adv_rate_hz', m.advRateHz)];
    }
    case 'gatewayHealth': {
      const m = message as MessageOf<'gatewayHealth'>;
      return [
        new Point('releve_gateway')
          .tag('gateway', m.gatewayId)
          .tag('scanner', m.scanner)
          .floatField('adv_rate_per_s', m.advRatePerS)
          .intField('adv_total', m.advTotal)
          .intField('scan_restarts', m.scanRestarts)
          .intField('expected_beacons', m.expectedBeacons)
          .intField('heard_beacons', m.heardBeacons)
          .intField('outbox_backlog', m.outboxBacklog)
          .floatField('uptime_s', m.uptimeS)
          .intField('rss_bytes', m.rssBytes)
          .timestamp(ms(m.ts)),
      ];
    }
    case 'sightings': {
      const m = message as MessageOf<'sightings'>;
      return m.beacons.map((b) => {
        let p = new Point('releve_sighting')
          .tag('beacon', b.beaconId)
          .tag('gateway', m.gatewayId)
          .intField('count', b.count)
          .floatField('rssi_dbm', b.rssiDbm.smoothed)
          .intField('address_mismatch', b.addressMismatch ? 1 : 0)
          .timestamp(ms(m.windowEnd));
        p = optionalFloat(p, 'distance_m', b.distanceM);
        return optionalFloat(p, 'interval_ms', b.intervalMs);
      });
    }
    case 'footfall': {
      const m = message as MessageOf<'footfall'>;
      // A suppressed window (count below k) exports nothing but the fact it was suppressed.
      const p = new Point('releve_footfall')
        .tag('gateway', m.gatewayId)
        .intField('suppressed', m.suppressed ? 1 : 0)
        .timestamp(ms(m.windowEnd));
      return [optionalInt(p, 'count', m.count)];
    }
    case 'truckOnline':
    case 'gatewayOnline':
    case 'truckAlert':
    case 'gatewayAlert':
    case 'truckConfig':
    case 'route':
    case 'gatewayConfig':
    case 'allowlist':
      return [];
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}
