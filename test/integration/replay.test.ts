/**
 * Replay: every recorded history in test/fixtures/histories/*.json and test/fixtures/histories/kept/*.json is
 * replayed against the current workflow code, with the bundle the worker and `npm run build` make
 * (worker/bundle.ts; test/integration/release.test.ts replays them on the built dist/workflow-bundle.js too). A change to workflows/ that would break a run already in flight (a command added, removed or
 * reordered without `patched()`) fails here with a DeterminismViolationError, naming the fixture and the workflow.
 * It runs in `npm test`, so CI fails on such a change.
 *
 * Two kinds of fixture:
 * - test/fixtures/histories/*.json, from `npm run record-histories` (scripts/record-histories.ts; each file says
 *   what it covers: step-failed retry / skip / abort, gates by signal and by update, an ignored signal, reject,
 *   cancellation, the CA-signed path with submitSignedChain, a window wait, a rotation with its unit runs, the trust
 *   cleanup, a discovery). Re-recorded after an INTENTIONAL incompatible change (no run of the old code may still
 *   be in flight, or you chose not to patch):
 *
 *       npm run record-histories          # all of them (replaces test/fixtures/histories/*.json, not kept/)
 *       npm run record-histories -- --only rotation,rejected
 *
 * - test/fixtures/histories/kept/*.json: recorded from OLDER code and never re-recorded. They stand for the runs in
 *   flight across an upgrade: `pre-guard-*` were recorded before any patch() existed (no markers),
 *   `pre-4d11bde-step-failed-retry` from the code before 4d11bde (a retry re-read the serial). Every later version
 *   must replay them; a patch may only be removed (deprecatePatch, then the old branch) once no such run can exist,
 *   and then its kept fixtures go with it, in the same commit.
 *
 * A fixture file holds {"recordedAt", "covers", "workflows": [{"workflowId", "history"}]}, the history in Temporal's
 * JSON format (what `temporal workflow show -o json` and the Web UI download write), so a history exported from a
 * real deployment can be dropped in the same way.
 */
import assert from 'node:assert/strict';
import { HISTORIES_DIR, recordedFiles, replayFixture } from '../support/recorded-histories';
import { sharedWorkflowBundle } from '../support/temporal';

const files = recordedFiles();

describe('replay of recorded histories against the current workflow code', function () {
  this.timeout(120_000);

  it('has fixtures to replay (npm run record-histories), and the kept ones from older code', () => {
    assert.ok(files.length > 0, `no *.json in ${HISTORIES_DIR}: run npm run record-histories`);
    assert.ok(
      files.includes('kept/pre-4d11bde-step-failed-retry.json'),
      'the history recorded before the 4d11bde guard is kept',
    );
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const failures = await replayFixture(file, await sharedWorkflowBundle());
      assert.deepEqual(failures, [], `non-determinism in ${file} (re-record only if the change is intended)`);
    });
  }
});
