import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type ClassifyAssignment, type ClassifyTask, finish } from './ClassifyWorker.js';
import { LiftClassifier } from './LiftClassifier.js';
import { classifyStoredLifts, loadBillingRegistry } from './StoreBillingSource.js';

/**
 * Opens the store and reads the registry, then waits for its share of the lifts (a rowid
 * range), classifies it and hands the result to the main thread.
 */
const task = workerData as ClassifyTask;
try {
  const db = new Database(task.dbPath, { readonly: true, fileMustExist: true });
  try {
    const classifier = new LiftClassifier(task.period, task.timeZone, loadBillingRegistry(db));
    const share = await new Promise<ClassifyAssignment>((resolve) => task.port.once('message', resolve));
    classifyStoredLifts(db, classifier, share.range, share.rowids);
    const result = classifier.result();
    finish(task, { result }, [
      result.idBytes.buffer,
      result.days.buffer,
      result.times.buffer,
      result.nets.buffer,
      result.belowMinimum.buffer,
      result.holdings.buffer,
    ]);
  } finally {
    db.close();
  }
} catch (err) {
  finish(task, { error: `billing worker: ${(err as Error).message}` });
}
