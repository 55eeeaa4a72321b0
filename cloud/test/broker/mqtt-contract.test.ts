import { requireService, tcpService } from '@releve/shared/testing/index';
import { afterAll, beforeAll, describe } from 'vitest';
import type { CloudBroker } from '../../src/broker/CloudBroker.js';
import { type ContractTarget, mqttClientContract } from './mqttContract.js';
import { Cleanup, startBroker, tempDir } from './support.js';

const cleanup = new Cleanup();
let embedded: ContractTarget = { url: '', options: {} };
let broker: CloudBroker | null = null;

beforeAll(async () => {
  const started = await startBroker({ dataDir: cleanup.dir(tempDir()), allowAnonymous: true });
  broker = started.broker;
  embedded = { url: started.url, options: {} };
});
afterAll(async () => {
  await broker?.stop();
  await cleanup.run();
});

mqttClientContract('embedded broker (aedes, LevelDB sessions)', () => embedded);

// The machine's Mosquitto, anonymous, on its standard port (the one place 1883 is used).
const mosquitto = await requireService(tcpService('mosquitto', '127.0.0.1', 1883));
describe.skipIf(!mosquitto)('against Mosquitto', () => {
  mqttClientContract('Mosquitto at 127.0.0.1:1883', () => ({ url: 'mqtt://127.0.0.1:1883', options: {} }));
});
