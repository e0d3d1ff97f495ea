/**
 * The recorded histories (test/fixtures/histories/*.json and kept/*.json), read once for whoever replays them: the
 * replay test (the bundle the tests and the worker build) and the release test (the bundle `npm run build` wrote).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { historyFromJsonValue } from './history-json';

export const HISTORIES_DIR = join(__dirname, '..', 'fixtures', 'histories');

/** A fixture file: {"recordedAt", "covers", "workflows": [{"workflowId", "history"}]}, histories in Temporal's JSON. */
interface Fixture {
  recordedAt?: string;
  workflows: Array<{ workflowId: string; history: unknown }>;
}

const jsonIn = (dir: string, prefix = '') =>
  existsSync(dir) ? readdirSync(dir).flatMap((f) => (f.endsWith('.json') ? [`${prefix}${f}`] : [])) : [];

/** Every fixture file, relative to HISTORIES_DIR ("rotation.json", "kept/pre-guard-….json"), sorted. */
export const recordedFiles = (): string[] =>
  [...jsonIn(HISTORIES_DIR), ...jsonIn(join(HISTORIES_DIR, 'kept'), 'kept/')].sort();

/**
 * Replays every workflow of one fixture file on `bundle`; resolves to the failures ("file / workflow: error"),
 * empty when all replay. Throws when the file holds no workflow or one was not replayed.
 */
export async function replayFixture(file: string, bundle: WorkerOptions['workflowBundle']): Promise<string[]> {
  const fixture = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as Fixture;
  if (!Array.isArray(fixture.workflows) || fixture.workflows.length === 0) throw new Error(`${file}: no workflows`);
  const histories = fixture.workflows.map((w) => ({
    workflowId: w.workflowId,
    history: historyFromJsonValue(w.history),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: `replay-${file}` },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${file} / ${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  if (replayed !== histories.length) throw new Error(`${file}: ${replayed} of ${histories.length} histories replayed`);
  return failures;
}
