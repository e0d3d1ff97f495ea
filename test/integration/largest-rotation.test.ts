/**
 * The largest cluster Cisco's design guides allow, rotated whole (issue 20): simulator/configs/largest-14-26node.json
 * (20 CUCM nodes with 8 call-processing subscribers, 2 TFTP and 9 music-on-hold nodes, plus 6 IM&P nodes; 40,000
 * phones), every unit, canaries on, every before-phone-reset gate approved over the API and one step-failed gate
 * (the simulator refuses the first phone reset once) retried over the API, at time scale 0.01
 * (test/support/gated-rotation.ts runs it as the size bench does).
 *
 * What it asserts is what anyone reads in Temporal's histories (every execution on the run's task queue): the
 * rotation completed; no workflow's history passes 5 MB (Temporal warns at 10 MB and terminates at 50 MB); and no
 * message a workflow receives grows with the steps taken: the largest signal and update payload stays under a fixed
 * bound that does not depend on the cluster's size (a unit run that reported its whole state on every change sent
 * signals that grew with each step, to 15.6 KB on 3 nodes).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { clusterFromConfigFile, runGatedRotation, type GatedRotationRun } from '../support/gated-rotation';
import { historySizesOnQueue, type WorkflowHistorySize } from '../support/history-sizes';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';

const LIMIT_BYTES = 5_000_000;
/** A progress message (phase, pending gates, CSRs waiting, an outcome) and a gate decision fit in this, at any size. */
const MESSAGE_BOUND_BYTES = 4096;
const TIME_SCALE = 0.01;

describe('the largest cluster, rotated whole: histories stay bounded', function () {
  this.timeout(20 * 60_000);
  let run: GatedRotationRun | undefined;
  let histories: WorkflowHistorySize[] = [];

  before(async function () {
    this.timeout(20 * 60_000);
    const temporal = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('largest');
    run = await runGatedRotation({
      client: temporal.client,
      temporalAddress: temporal.address,
      cluster: clusterFromConfigFile(join(__dirname, '..', '..', 'simulator', 'configs', 'largest-14-26node.json')),
      timeScale: TIME_SCALE,
      taskQueue,
      timeoutMs: 15 * 60_000,
    });
    histories = await historySizesOnQueue(temporal.client, taskQueue);
  });
  after(() => run?.stop());

  it('the rotation of 26 nodes and 40,000 phones completes, through one step-failed retry and its gates', () => {
    assert.ok(run);
    assert.equal(run.nodes, 26);
    assert.equal(run.phones, 40_000);
    const rotation = histories.find((h) => h.workflowId === run!.rotationId && h.status === 'COMPLETED');
    assert.ok(
      rotation,
      `the rotation's history ends completed (API status ${run.status}; histories: ${histories.map((h) => `${h.workflowId} ${h.status}`).join(', ')})`,
    );
    const retried = run.decisions.filter((d) => d.kind === 'step-failed' && d.decision === 'retry' && d.status === 200);
    assert.equal(retried.length, 1, `one step-failed gate retried (decisions: ${JSON.stringify(run.decisions)})`);
    assert.ok(
      run.decisions.some((d) => d.kind === 'before-phone-reset' && d.status === 200),
      'the before-phone-reset gates were approved',
    );
    assert.deepEqual(run.unexpectedGates, [], 'no gate the engineer did not ask for (missing phones, canaries)');
  });

  it('no workflow history passes 5 MB', () => {
    const over = histories.filter((h) => h.bytes > LIMIT_BYTES);
    assert.deepEqual(
      over.map(
        (h) =>
          `${h.workflowId}: ${(h.bytes / 1e6).toFixed(2)} MB in ${h.events} events, most in ${h.byEventType[0]?.type}`,
      ),
      [],
      'histories over 5 MB',
    );
  });

  it('no signal or update payload grows with the steps: each fits a bound independent of the cluster size', () => {
    const offenders = histories.filter(
      (h) => h.signals.largestBytes > MESSAGE_BOUND_BYTES || h.updates.largestBytes > MESSAGE_BOUND_BYTES,
    );
    assert.deepEqual(
      offenders.map(
        (h) =>
          `${h.workflowId}: ${h.signals.count} signals from ${h.signals.firstBytes} B to ${h.signals.largestBytes} B, largest update ${h.updates.largestBytes} B`,
      ),
      [],
      `messages larger than ${MESSAGE_BOUND_BYTES} B`,
    );
  });
});
