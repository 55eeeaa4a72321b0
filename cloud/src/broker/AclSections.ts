import { type DeviceClass, MESSAGES, type MessageKind, TOPIC_ROOT, topicFor } from '@releve/shared';

/** Kinds of device, as `releve-cloud device add --kind` names them. */
export const DEVICE_KINDS = { truck: 'trucks', gateway: 'gateways' } as const satisfies Record<
  string,
  DeviceClass
>;
export type DeviceKind = keyof typeof DEVICE_KINDS;

/**
 * Roles of non-device users (`releve-cloud user add --role`):
 * - `ingest`: the cloud services: read every device → cloud message, write every command;
 * - `monitor`: read-only view of the whole `releve/v1` tree (dashboards, support);
 * - `admin`: read and write the whole `releve/v1` tree and read `$SYS`.
 */
export const USER_ROLES = ['ingest', 'monitor', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * The ACL `user` section of one device, derived from the MQTT contract: it may write each
 * device → cloud topic of its class under its own id and read its own `cmd/…` topics, nothing
 * else (so no device reads another's commands or writes under another's id).
 */
export function deviceAclSection(kind: DeviceKind, deviceId: string): string {
  const deviceClass = DEVICE_KINDS[kind];
  const lines = [`user ${deviceId}`];
  for (const k of Object.keys(MESSAGES) as MessageKind[]) {
    const m = MESSAGES[k];
    if (m.deviceClass !== deviceClass || m.direction !== 'device-to-cloud') continue;
    lines.push(`topic write ${topicFor(k, deviceId)}`);
  }
  lines.push(`topic read ${TOPIC_ROOT}/${deviceClass}/${deviceId}/cmd/#`);
  return lines.join('\n');
}

/** The ACL `user` section of a role user. */
export function roleAclSection(role: UserRole, name: string): string {
  const lines = [`user ${name}`];
  switch (role) {
    case 'ingest':
      for (const cls of Object.values(DEVICE_KINDS)) {
        lines.push(`topic read ${TOPIC_ROOT}/${cls}/#`);
        lines.push(`topic write ${TOPIC_ROOT}/${cls}/+/cmd/#`);
      }
      break;
    case 'monitor':
      lines.push(`topic read ${TOPIC_ROOT}/#`);
      break;
    case 'admin':
      lines.push(`topic readwrite ${TOPIC_ROOT}/#`, 'topic read $SYS/#');
      break;
    default: {
      const never: never = role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
  return lines.join('\n');
}
