/**
 * The cluster entity (workflows/cluster-entity.ts), every layer real: two API processes (api/main.ts) and the
 * Temporal client on one dev server, one worker, the simulator. One run per cluster at a time wherever it starts
 * (20 concurrent POSTs across two replicas; runs started directly with the client, as the CLI would), the lease
 * released however its holder ends (completed, failed, cancelled, terminated: API-started or direct), and the
 * entity's own history (events per run, continue-as-new carrying its state).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { startControlApi } from '../../simulator/control-api';
import type { ClusterConfig, SimEvent } from '../../simulator/model';
import { createWorker } from '../../worker/create-worker';
import { clusterEntity } from '../../workflows/cluster-entity';
import { clusterEntityId, clusterStateQuery } from '../../domain/contract/cluster-entity';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { startApiProcess, stopApiProcess, type ApiProcess } from '../support/api-process';
import { writesIn } from '../support/event-log';
import { freePort, waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { getJson, postJson } from '../support/system';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const cluster = (id: string): ClusterConfig => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' }],
});
const RACE = 'entrace';
const DIRECT = 'entdirect';
const ENDS = 'entends';

describe('cluster entity: one run per cluster, wherever it starts', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let worker: Worker;
  let running: Promise<void>;
  let control: FastifyInstance;
  let controlUrl: string;
  let dir: string;
  let taskQueue: string;
  const apis: ApiProcess[] = [];
  let apiEnv: NodeJS.ProcessEnv;

  before(async () => {
    env = await sharedDevServer();
    lab = await startSimulatedCluster([cluster(RACE), cluster(DIRECT), cluster(ENDS)]);
    taskQueue = uniqueTaskQueue('entity');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: lab.activities,
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
    const port = await freePort();
    control = await startControlApi(lab.sim, { host: '127.0.0.1', port });
    controlUrl = `http://127.0.0.1:${port}`;
    // The API processes read the inventory from a file (they never resolve its secret references).
    dir = mkdtempSync(join(tmpdir(), 'ccr-entity-'));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(lab.inventory));
    apiEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CUCM_INVENTORY: join(dir, 'inventory.json'),
      DATA_DIR: dir,
    };
    apis.push(...(await Promise.all([startApiProcess(apiEnv), startApiProcess(apiEnv)])));
  });
  after(async () => {
    // Leave nothing running on the shared dev server (runs and entities of this task queue).
    for await (const wf of env.client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    }))
      await env.client.workflow
        .getHandle(wf.workflowId)
        .terminate('test cleanup')
        .catch(() => undefined);
    await Promise.all(apis.map(stopApiProcess));
    await control?.close();
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = (i: number) => apis[i % apis.length] as ApiProcess;
  const post = (i: number, clusterId: string, body: unknown) =>
    postJson(`${api(i).baseUrl}/v1/clusters/${clusterId}/regenerations`, body);
  const doc = async (id: string) => (await getJson(`${api(0).baseUrl}/v1/regenerations/${id}`)).json;
  const until = (id: string, statuses: string[]) =>
    waitFor(`${id} to be ${statuses.join('|')}`, async () => {
      const d = await doc(id);
      return statuses.includes(d.status as string) ? d : undefined;
    });
  const entity = (clusterId: string) => env.client.workflow.getHandle(clusterEntityId(clusterId, taskQueue));
  const events = async (clusterId: string): Promise<SimEvent[]> =>
    (await (await fetch(`${controlUrl}/clusters/${clusterId}/events`)).json()) as SimEvent[];

  /** POSTs until one is accepted; returns its answer and how long the cluster took to be free again. */
  async function nextStart(clusterId: string, body: unknown, deadlineMs = 10_000) {
    const t0 = Date.now();
    for (let i = 0; ; i++) {
      const answer = await post(i, clusterId, body);
      if (answer.status === 202) return { answer, ms: Date.now() - t0 };
      assert.equal(answer.status, 409, JSON.stringify(answer.json));
      if (Date.now() - t0 > deadlineMs)
        throw new Error(`${clusterId} still refused after ${deadlineMs} ms: ${String(answer.json.detail)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A run started with the Temporal client, as `temporal workflow start` or the UI's "Start Workflow" would. */
  const startDirect = (clusterId: string, id: string, approvals: string[] = []) =>
    env.client.workflow.start(regenerateCertificate, {
      workflowId: id,
      taskQueue,
      args: [{ clusterId, units: ['tomcat'], approvals: approvals as never, requestedBy: 'cli-user' }],
    });

  /** The ClusterBusy failure a refused direct run ended with, or undefined if it did not end that way. */
  async function busyFailure(handle: WorkflowHandle): Promise<ApplicationFailure | undefined> {
    const outcome = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(outcome instanceof WorkflowFailedError)) return undefined;
    return outcome.cause instanceof ApplicationFailure && outcome.cause.type === 'ClusterBusy'
      ? outcome.cause
      : undefined;
  }

  it('answers 20 concurrent POSTs across two API processes with exactly one 202, the others 409 naming the holder', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i, RACE, { units: ['tomcat'], approvals: ['before-start'] })),
    );
    const accepted = answers.filter((a) => a.status === 202);
    assert.equal(accepted.length, 1, JSON.stringify(answers.map((a) => [a.status, a.json.detail])));
    const holder = accepted[0]?.json.id as string;
    const refused = answers.filter((a) => a.status !== 202);
    assert.equal(refused.length, 19);
    for (const r of refused) {
      assert.equal(r.status, 409, JSON.stringify(r.json));
      assert.match(
        String(r.json.detail),
        new RegExp(`^Cluster "${RACE}" is held by run ${holder} \\(regenerateCertificate of tomcat`),
      );
      assert.deepEqual(r.json.runs, [holder]);
    }
    // The run is a child of the entity; the API does not call the entity its parent.
    const d = await until(holder, ['awaiting-approval']);
    assert.equal(d.parentId, undefined);
    const state = await entity(RACE).query(clusterStateQuery);
    assert.equal(state.holder?.workflowId, holder);
    assert.equal(state.holder?.via, 'api');

    // Terminated (no goodbye from the run): the entity learns it from the child's close event.
    await env.client.workflow.getHandle(holder).terminate('test: an engineer terminates the holder');
    const next = await nextStart(RACE, { units: ['tomcat'], approvals: [] });
    console.log(`      terminated API-started holder: the next start was accepted after ${next.ms} ms`);
    const done = await until(next.answer.json.id as string, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    const after = await entity(RACE).query(clusterStateQuery);
    assert.deepEqual(
      after.recent.slice(0, 2).map((r) => [r.workflowId, r.outcome]),
      [
        [next.answer.json.id, 'completed'],
        [holder, 'terminated'],
      ],
    );
  });

  it('refuses a run started directly while another holds the cluster, before it changes anything', async () => {
    const held = await post(0, DIRECT, { units: ['tomcat'], approvals: ['before-start'] });
    assert.equal(held.status, 202, JSON.stringify(held.json));
    const holder = held.json.id as string;
    await until(holder, ['awaiting-approval']);
    const before = (await events(DIRECT)).length;
    const direct = await startDirect(DIRECT, `direct-refused-${Date.now()}`);
    const busy = await busyFailure(direct);
    assert.ok(busy, 'the direct run ended with ClusterBusy');
    assert.match(busy.message, new RegExp(`is held by run ${holder} .*Nothing was changed`));
    assert.deepEqual(writesIn((await events(DIRECT)).slice(before)), [], 'no change on the cluster');
    await env.client.workflow.getHandle(holder).cancel();
    await until(holder, ['cancelled']);
  });

  it('lets one of two concurrent direct runs change the cluster, and frees it when that one is terminated', async () => {
    await waitFor('the cluster to be free', async () =>
      (await entity(DIRECT).query(clusterStateQuery)).holder ? undefined : true,
    );
    const before = (await events(DIRECT)).length;
    const stamp = Date.now();
    const [one, two] = await Promise.all([
      startDirect(DIRECT, `direct-a-${stamp}`),
      env.client.workflow.start(regenerateCertificate, {
        workflowId: `direct-b-${stamp}`,
        taskQueue,
        args: [{ clusterId: DIRECT, units: ['ipsec'], approvals: [], requestedBy: 'cli-user' }],
      }),
    ]);
    const outcomes = await Promise.all([one, two].map((h) => busyFailure(h)));
    assert.equal(outcomes.filter(Boolean).length, 1, 'exactly one refused');
    const winner = outcomes[0] ? two : one;
    const winnerUnit = winner === one ? 'tomcat' : 'ipsec';
    assert.equal((await winner.describe()).status.name, 'COMPLETED');
    // The log shows the winner's changes only: nothing of the refused run, so nothing interleaved.
    const writes = writesIn((await events(DIRECT)).slice(before));
    assert.ok(writes.length > 0);
    const regenerated = writes.filter((e) => e.kind === 'cert-regenerated').map((e) => e.detail.unit);
    assert.deepEqual([...new Set(regenerated)], [winnerUnit]);

    // A direct holder stopped at its gate; the API names it; terminated, the entity's watcher frees the cluster.
    const gated = await startDirect(DIRECT, `direct-gated-${Date.now()}`, ['before-start']);
    await waitFor('the direct run at its gate', async () =>
      (await gated.query(stateQuery)).pendingGates.length > 0 ? true : undefined,
    );
    const refused = await post(1, DIRECT, { units: ['tomcat'], approvals: [] });
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.json.runs, [gated.workflowId]);
    assert.match(String(refused.json.detail), /requested by cli-user/);
    await gated.terminate('test: an engineer terminates the direct holder');
    const next = await nextStart(DIRECT, { units: ['tomcat'], approvals: ['before-start'] });
    console.log(`      terminated direct holder: the next start was accepted after ${next.ms} ms`);
    await env.client.workflow.getHandle(next.answer.json.id as string).terminate('test cleanup');
    // This entity served API starts and direct ones (refused direct runs leave no event: their update was rejected).
    const state = await waitFor('the release', async () => {
      const s = await entity(DIRECT).query(clusterStateQuery);
      return s.holder ? undefined : s;
    });
    const history = await entity(DIRECT).fetchHistory();
    console.log(
      `      entity history (API and direct runs): ${history.events?.length} events for ${state.granted} runs granted (${state.recent.filter((r) => r.via === 'direct').length} direct)`,
    );
  });

  it('releases the lease on completion, failure and cancellation, and keeps its history bounded', async () => {
    // This cluster's entity continues as new after 40 events, to show its state survives.
    await env.client.workflow.start(clusterEntity, {
      workflowId: clusterEntityId(ENDS, taskQueue),
      taskQueue,
      args: [{ clusterId: ENDS, continueAsNewAfterEvents: 40 }],
    });
    const ids: Array<[string, string]> = [];

    const completed = await nextStart(ENDS, { units: ['tomcat'], approvals: [] });
    ids.push([completed.answer.json.id as string, 'completed']);
    assert.equal((await until(ids[0]![0], ['completed', 'failed'])).status, 'completed');

    // A plan refusal fails the run (after its pre-flight): resetting only secure phones cannot carry a new ITL.
    const failing = await nextStart(ENDS, { units: ['CallManager'], phoneReset: 'secure-only', approvals: [] });
    ids.push([failing.answer.json.id as string, 'failed']);
    assert.equal((await until(ids[1]![0], ['completed', 'failed'])).status, 'failed');

    const cancelling = await nextStart(ENDS, { units: ['tomcat'], approvals: ['before-start'] });
    const cancelled = cancelling.answer.json.id as string;
    ids.push([cancelled, 'cancelled']);
    await until(cancelled, ['awaiting-approval']);
    const cancel = await postJson(`${api(1).baseUrl}/v1/regenerations/${cancelled}/cancel`, {});
    assert.equal(cancel.status, 202);
    await until(cancelled, ['cancelled']);

    const rejected = await nextStart(ENDS, { units: ['tomcat'], approvals: ['before-start'] });
    const rejectedId = rejected.answer.json.id as string;
    ids.push([rejectedId, 'aborted']);
    const gate = await waitFor('the gate', async () => {
      const pending = (await doc(rejectedId)).pendingGates as Array<{ id: string }> | undefined;
      return pending?.[0]?.id;
    });
    await env.client.workflow
      .getHandle(rejectedId)
      .executeUpdate(decideGateUpdate, { args: [{ gateId: gate, decision: 'reject', by: 'test' }] });
    await until(rejectedId, ['aborted']);

    const last = await nextStart(ENDS, { units: ['tomcat'], approvals: [] });
    ids.push([last.answer.json.id as string, 'completed']);
    assert.equal((await until(ids[4]![0], ['completed', 'failed'])).status, 'completed');
    console.log(
      `      releases: next start accepted ${[completed, failing, cancelling, rejected, last].map((s) => `${s.ms} ms`).join(', ')} after the previous run ended`,
    );

    const state = await waitFor('the last release', async () => {
      const s = await entity(ENDS).query(clusterStateQuery);
      return s.holder ? undefined : s;
    });
    assert.deepEqual(
      state.recent.map((r) => [r.workflowId, r.outcome]),
      [...ids].reverse(),
      'every run, with how it ended, carried across continue-as-new',
    );
    // The entity's history per run: every run of the entity (continue-as-new chain) over the runs it granted.
    let total = 0;
    let entityRuns = 0;
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = '${clusterEntityId(ENDS, taskQueue)}'` })) {
      const history = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      total += history.events?.length ?? 0;
      entityRuns += 1;
    }
    assert.ok(entityRuns >= 2, `the entity continued as new (${entityRuns} runs)`);
    assert.equal(state.granted, ids.length);
    console.log(
      `      entity history: ${total} events over ${entityRuns} entity runs for ${ids.length} runs = ${(total / ids.length).toFixed(1)} events per run`,
    );
  });

  it('answers a list page token on another API process, and after a restart', async () => {
    const query = `clusterId=${ENDS}&pageSize=1`;
    const first = await waitFor('a page with a next token', async () => {
      const page = (await getJson(`${api(0).baseUrl}/v1/regenerations?${query}`)).json;
      return page.nextPageToken ? page : undefined;
    });
    const token = first.nextPageToken as string;
    const elsewhere = await getJson(`${api(1).baseUrl}/v1/regenerations?${query}&nextPageToken=${token}`);
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.json));
    await stopApiProcess(apis[0]);
    apis[0] = await startApiProcess(apiEnv);
    const restarted = await getJson(`${api(0).baseUrl}/v1/regenerations?${query}&nextPageToken=${token}`);
    assert.equal(restarted.status, 200, JSON.stringify(restarted.json));
    assert.deepEqual(restarted.json, elsewhere.json, 'the same page from either process');
    const items = [first, restarted.json].flatMap((p) => (p.items as Array<{ id: string }>).map((i) => i.id));
    assert.equal(new Set(items).size, 2, 'the second page follows the first');
  });
});
