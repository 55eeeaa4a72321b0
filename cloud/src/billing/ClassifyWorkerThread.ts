import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type ClassifyTask, finish } from './ClassifyWorker.js';
import { LiftClassifier } from './LiftClassifier.js';
import { classifyStoredLifts, loadBillingRegistry } from './StoreBillingSource.js';

/** Classifies the lifts of a rowid range of the store and hands the result to the main thread. */
const task = workerData as ClassifyTask;
try {
  const db = new Database(task.dbPath, { readonly: true, fileMustExist: true });
  try {
    const classifier = new LiftClassifier(task.period, task.timeZone, loadBillingRegistry(db));
    classifyStoredLifts(db, classifier, task.range, task.rowids);
    const result = classifier.result();
    finish(task, { result }, [
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
