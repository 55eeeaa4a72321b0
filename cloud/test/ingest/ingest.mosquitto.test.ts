import { describe } from 'vitest';
import { machineMosquitto } from './fixtures/brokers.js';
import { ingestContract } from './ingestContract.js';
import { ingestCrashContract } from './ingestCrashContract.js';

const mosquitto = await machineMosquitto();

describe.skipIf(!mosquitto)('ingest contract against the machine Mosquitto (127.0.0.1:1883)', () => {
  ingestContract(machineMosquitto);
});

describe.skipIf(!mosquitto)('ingest crash contract against the machine Mosquitto (127.0.0.1:1883)', () => {
  ingestCrashContract(machineMosquitto);
});
