import { execFileSync } from 'node:child_process';
import { acceptsTcp } from '../net/tcp.js';

/**
 * Test support: services a test needs from the machine. On a developer laptop without the
 * service the test skips with a clear message; under `CI=true` a missing service is a failure.
 *
 *   const mosquitto = await requireService(tcpService('mosquitto', '127.0.0.1', 1883));
 *   describe.skipIf(!mosquitto)('against Mosquitto', () => { … });
 */
export interface ServiceProbe {
  name: string;
  /** How to get it, shown when it is missing. */
  hint: string;
  probe: () => Promise<boolean>;
}

/** True when running in CI, where missing services fail instead of skipping. */
export const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** Resolves true when the service is there; false (with a warning) on a laptop; throws under CI. */
export async function requireService(service: ServiceProbe): Promise<boolean> {
  const ok = await service.probe().catch(() => false);
  if (ok) return true;
  const msg = `service "${service.name}" is not available (${service.hint})`;
  if (inCi) throw new Error(`${msg}: under CI=true a missing service is a failure, not a skip`);
  console.warn(`SKIP: ${msg}; tests that need it are skipped`);
  return false;
}

/** A TCP service reachable on host:port. */
export function tcpService(
  name: string,
  host: string,
  port: number,
  hint = `expected on ${host}:${port}`,
): ServiceProbe {
  return {
    name,
    hint,
    probe: () => acceptsTcp(host, port),
  };
}

/** A command on PATH (socat, mosquitto_passwd, victoria-metrics, chromium). */
export function commandService(
  command: string,
  hint = `install the Debian package providing ${command}`,
): ServiceProbe {
  return {
    name: command,
    hint,
    probe: async () => {
      try {
        execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    },
  };
}
