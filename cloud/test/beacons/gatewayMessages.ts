import { randomUUID } from 'node:crypto';
import type {
  BeaconSighting,
  BeaconSightingsBatch,
  BeaconTelemetry,
  DeviceAlert,
  GatewayHealth,
  OnlineState,
} from '@releve/shared';

const at = (ms: number) => new Date(ms).toISOString();

/**
 * Contract messages as one gateway sends them: a per-gateway sequence, event ids, device
 * times given by the scenario. Used where a scenario needs days of history that the
 * simulated air would take too long to produce.
 */
export class GatewayMessages {
  #seq = 0;
  constructor(readonly gatewayId: string) {}

  sightings(
    windowEndMs: number,
    beacons: Partial<BeaconSighting>[],
    windowMs = 10_000,
  ): BeaconSightingsBatch {
    return {
      id: randomUUID(),
      seq: ++this.#seq,
      ts: at(windowEndMs),
      gatewayId: this.gatewayId,
      windowStart: at(windowEndMs - windowMs),
      windowEnd: at(windowEndMs),
      beacons: beacons.map((b) => ({
        beaconId: 'eddystone:00000000000000000000:000000000000',
        address: 'C0:FF:EE:00:00:01',
        frames: ['eddystone-uid'],
        count: 9,
        rssiDbm: { smoothed: -70, min: -78, max: -64 },
        txPowerDbm: -59,
        distanceM: 3,
        zone: 'near',
        intervalMs: 1000,
        addressMismatch: false,
        ...b,
      })),
    };
  }

  telemetry(tsMs: number, beaconId: string, t: Partial<BeaconTelemetry> = {}): BeaconTelemetry {
    return {
      id: randomUUID(),
      seq: ++this.#seq,
      ts: at(tsMs),
      gatewayId: this.gatewayId,
      beaconId,
      batteryMv: 3000,
      temperatureC: 18,
      advCount: 100_000,
      uptimeS: 86_400,
      rebooted: false,
      counterAnomaly: false,
      advRateHz: 1,
      ...t,
    };
  }

  health(tsMs: number, h: Partial<GatewayHealth> = {}): GatewayHealth {
    return {
      id: randomUUID(),
      seq: ++this.#seq,
      ts: at(tsMs),
      gatewayId: this.gatewayId,
      scanner: 'scanning',
      advRatePerS: 20,
      advTotal: 100_000,
      scanRestarts: 0,
      expectedBeacons: 3,
      heardBeacons: 3,
      outboxBacklog: 0,
      uptimeS: 3600,
      rssBytes: 60_000_000,
      ...h,
    };
  }

  online(sinceMs: number, state: 'online' | 'offline', cause: OnlineState['cause']): OnlineState {
    return { deviceId: this.gatewayId, state, cause, since: at(sinceMs) };
  }

  alert(tsMs: number, a: Partial<DeviceAlert> & Pick<DeviceAlert, 'kind'>): DeviceAlert {
    return {
      id: randomUUID(),
      seq: ++this.#seq,
      ts: at(tsMs),
      deviceId: this.gatewayId,
      severity: 'warning',
      detail: 'from the gateway',
      ...a,
    };
  }
}
