/**
 * Replay: every recorded history in test/fixtures/histories/*.json is replayed against the current workflow code,
 * with the same workflow bundle the worker runs (worker/create-worker.ts `workflowsPath`). A change to workflows/
 * that would break a run already in flight (a command added, removed or reordered without `patched()`) fails here,
 * naming the fixture and the workflow.
 *
 * The fixtures come from `npm run record-histories` (scripts/record-histories.ts: a regeneration with its three
 * gates approved, a rotation with its children, a run rejected at its gate, a trust cleanup, a discovery; about
 * half a minute on the simulator). After an INTENTIONAL incompatible change (no run of the old code may still be
 * in flight, or you chose not to patch), re-record them:
 *
 *     npm run record-histories          # all of them (replaces test/fixtures/histories/*.json)
 *     npm run record-histories -- --only rotation,rejected
 *
 * and commit the new fixtures with the change. A fixture file holds {"recordedAt", "workflows": [{"workflowId",
 * "history"}]}, the history in Temporal's JSON format (what `temporal workflow show -o json` and the Web UI
 * download write), so a history exported from a real deployment can be dropped in the same way.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJsonValue } from '../support/history-json';
import { sharedWorkflowBundle } from '../support/temporal';

const DIR = join(__dirname, '..', 'fixtures', 'histories');

interface Fixture {
  recordedAt?: string;
  workflows: Array<{ workflowId: string; history: unknown }>;
}

const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')) : [];

describe('replay of recorded histories against the current workflow code', function () {
  this.timeout(120_000);

  it('has fixtures to replay (npm run record-histories)', () => {
    assert.ok(files.length > 0, `no *.json in ${DIR}: run npm run record-histories`);
  });

  for (const file of files.sort()) {
    it(`replays ${file} deterministically`, async () => {
      const fixture = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Fixture;
      assert.ok(Array.isArray(fixture.workflows) && fixture.workflows.length > 0, `${file}: no workflows`);
      const histories = fixture.workflows.map((w) => ({
        workflowId: w.workflowId,
        history: historyFromJsonValue(w.history),
      }));
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories(
        { workflowBundle: await sharedWorkflowBundle(), replayName: `replay-${file}` },
        histories,
      )) {
        replayed += 1;
        if (result.error)
          failures.push(`${file} / ${result.workflowId}: ${result.error.name}: ${result.error.message}`);
      }
      assert.equal(replayed, histories.length, `${file}: every history replayed`);
      assert.deepEqual(failures, [], `non-determinism in ${file} (re-record only if the change is intended)`);
    });
  }
});
