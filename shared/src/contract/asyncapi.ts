import { z } from 'zod';
import { MAX_PAYLOAD_BYTES, MESSAGES, type MessageKind, TOPIC_ROOT } from './topics.js';

/** PascalCase component name of a message kind (`truckStatus` → `TruckStatus`). */
function componentName(kind: MessageKind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

/**
 * The AsyncAPI 3.0 document of the MQTT contract, built from the zod schemas so the two
 * cannot drift. It describes a device's view: `send` is device → cloud, `receive` is
 * cloud → device. `docs/asyncapi.yaml` is this object as YAML; a test fails when it is stale.
 */
export function buildAsyncApi(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};

  for (const kind of Object.keys(MESSAGES) as MessageKind[]) {
    const m = MESSAGES[kind];
    const name = componentName(kind);
    const { $schema: _drop, ...schema } = z.toJSONSchema(m.schema, {
      target: 'draft-7',
      io: 'input',
    }) as Record<string, unknown>;
    schemas[name] = schema;
    messages[name] = {
      name,
      title: m.summary,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${name}` },
    };
    channels[kind] = {
      address: `${TOPIC_ROOT}/${m.deviceClass}/{deviceId}/${m.suffix}`,
      title: m.summary,
      parameters: {
        deviceId: {
          description: `Id of the ${m.deviceClass === 'trucks' ? 'truck' : 'gateway'}; equals its MQTT username and client id`,
        },
      },
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`${m.direction === 'device-to-cloud' ? 'send' : 'receive'}${name}`] = {
      action: m.direction === 'device-to-cloud' ? 'send' : 'receive',
      channel: { $ref: `#/channels/${kind}` },
      summary: m.summary,
      messages: [{ $ref: `#/channels/${kind}/messages/${name}` }],
      bindings: { mqtt: { qos: 1, retain: m.retained, bindingVersion: '0.2.0' } },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Relevé MQTT contract',
      version,
      description: [
        'Every message between Relevé devices (truck agents, beacon gateways) and the cloud.',
        'Described from a device: `send` operations go device → cloud, `receive` cloud → device.',
        'MQTT 3.1.1, QoS 1 everywhere, JSON payloads (UTF-8) of at most',
        `${MAX_PAYLOAD_BYTES} bytes. Events carry a device-made \`id\` (deduplication key) and a`,
        'per-device `seq`. Generated from shared/src/contract by `npm run gen:asyncapi`; see docs/mqtt.md.',
      ].join(' '),
    },
    defaultContentType: 'application/json',
    servers: {
      cloud: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description: 'Relevé cloud broker (plain TCP; mqtts on the TLS port, ws on the WebSocket port)',
        security: [{ $ref: '#/components/securitySchemes/devicePassword' }],
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        devicePassword: {
          type: 'userPassword',
          description: 'Per-device username (= device id) and secret from the broker password file',
        },
      },
    },
  };
}
