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
 * - test/fixtures/histories/kept/<tag>-*.json: recorded by a RELEASE (the tag names it) and never re-recorded. They
 *   stand for the runs in flight across an upgrade from that release: the release's own fixtures, copied here when
 *   it is tagged (docs/development.md, "Releasing"). Every later version must replay those of the last release
 *   (test/fixtures/last-release.json); a patch may only be removed once no run of a release before it can exist,
 *   and then the kept fixtures of those releases go with it, in the same commit.
 *
 * A fixture file holds {"recordedAt", "covers", "workflows": [{"workflowId", "history"}]}, the history in Temporal's
 * JSON format (what `temporal workflow show -o json` and the Web UI download write), so a history exported from a
 * real deployment can be dropped in the same way.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORIES_DIR, recordedFiles, replayFixture } from '../support/recorded-histories';
import { sharedWorkflowBundle } from '../support/temporal';

const files = recordedFiles();
const lastRelease = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'last-release.json'), 'utf8')) as {
  tag: string;
};

describe('replay of recorded histories against the current workflow code', function () {
  this.timeout(120_000);

  it('has fixtures to replay (npm run record-histories), and those the last release recorded', () => {
    assert.ok(files.length > 0, `no *.json in ${HISTORIES_DIR}: run npm run record-histories`);
    const kept = files.filter((f) => f.startsWith(`kept/${lastRelease.tag}-`));
    assert.ok(
      kept.length > 0,
      `no history recorded by the last release ${lastRelease.tag} in ${HISTORIES_DIR}/kept (copy its fixtures there when tagging it)`,
    );
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const failures = await replayFixture(file, await sharedWorkflowBundle());
      assert.deepEqual(failures, [], `non-determinism in ${file} (re-record only if the change is intended)`);
    });
  }
});
