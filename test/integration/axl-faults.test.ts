/**
 * An AXL fault the request caused is not an outage (issue 17): AXL answers a refused request with HTTP 500 and an
 * axlError (faultcode soapenv:Client, axlcode 5007 "Item not valid", 5003 version mismatch), and asking again gets
 * the same answer. The activity must fail at its first attempt with the fault's text, while throttling (HTTP 503)
 * stays retryable. Real parts: Temporal dev server, an in-process worker, the simulator's AXL over HTTPS; the
 * simulator's fault injection (`axl-fault` on its control API) makes AXL refuse, and its event log counts what AXL
 * was asked.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { readCallManagerGroupsWorkflow } from '../../workflows/read-redundancy';
import { startLabWorker, type LabWorker } from '../support/lab-worker';
import { startSimulatedCluster, twoNodes14, type SimulatedCluster } from '../support/simulator';

const CLUSTER = 'axlfault';

describe('AXL faults are not retried like outages', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  let worker: LabWorker;

  before(async () => {
    lab = await startSimulatedCluster([twoNodes14(CLUSTER)], 0.01);
    worker = await startLabWorker(lab, 'axlfault');
  });
  // Stops the worker, then the simulator.
  after(() => worker?.stop());

  /** What AXL was asked for `op` since `since`, and how it answered (the simulator's event log). */
  const axlAnswers = async (op: string, since: number) =>
    (await lab.control.events(CLUSTER, { kind: 'axl', since }))
      .filter((e) => e.detail.op === op)
      .map((e) => e.detail.axlcode ?? e.detail.result);

  /** Runs the API's read of the CallManager groups; answers how it ended and the attempts its history shows. */
  async function readGroups() {
    const handle = await worker.env.client.workflow.start(readCallManagerGroupsWorkflow, {
      workflowId: `axlfault-${Date.now()}`,
      taskQueue: worker.taskQueue,
      args: [CLUSTER],
    });
    const outcome = await handle.result().then(
      (groups) => ({ groups }),
      (error: unknown) => ({ error }),
    );
    const events = (await handle.fetchHistory()).events ?? [];
    // ActivityTaskStarted is written once, for the attempt that ended the activity: its number counts the attempts.
    const attempts = events.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
    return { ...outcome, attempts };
  }

  it('an axlcode 5007 fault fails the activity at its first attempt, with the fault text', async () => {
    const since = await lab.control.lastSeq(CLUSTER);
    // More faults armed than the retry policy's attempts (4): a retry would meet one too, and show in the log.
    await lab.control.fault(CLUSTER, {
      kind: 'axl-fault',
      count: 10,
      axlcode: 5007,
      operation: 'listCallManager',
      message: 'Item not valid: The specified CallManager was not found',
    });
    const read = await readGroups();
    await lab.control.fault(CLUSTER, { kind: 'axl-fault', count: 0, axlcode: 5007 });
    assert.ok('error' in read && read.error instanceof WorkflowFailedError, 'the read failed');
    const activity = read.error.cause;
    assert.ok(activity instanceof ActivityFailure, String(activity));
    const failure = activity.cause;
    assert.ok(failure instanceof ApplicationFailure, String(failure));
    assert.equal(failure.type, 'HttpError.fault');
    assert.equal(failure.nonRetryable, true, 'a deterministic fault is not retryable');
    assert.match(failure.message, /Item not valid: The specified CallManager was not found/);
    assert.deepEqual(read.attempts, [1], 'one attempt in the history, not one per retry');
    assert.deepEqual(await axlAnswers('listCallManager', since), ['5007'], 'AXL was asked once');
  });

  it('throttling (HTTP 503) stays retryable: the read succeeds at a later attempt', async () => {
    const since = await lab.control.lastSeq(CLUSTER);
    await lab.control.fault(CLUSTER, { kind: 'axl-503', count: 2 });
    const read = await readGroups();
    assert.ok('groups' in read, `the read succeeded: ${'error' in read ? String(read.error) : ''}`);
    assert.ok(read.groups.groups.length > 0);
    assert.deepEqual(read.attempts, [3], 'two throttled attempts, then the one that succeeded');
    assert.deepEqual((await axlAnswers('listCallManager', since)).slice(0, 3), ['503', '503', 'ok']);
  });
});
