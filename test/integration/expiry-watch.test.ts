/**
 * The expiry watch, every layer real: the Schedules the worker creates from the inventory on the dev server, the
 * first run each takes as it is created (no daily wait, no trigger by hand) that discovers the simulator's nodes over
 * SSH, publishes days left and expired trust counts on the worker's /metrics, and starts one renewal of the due units
 * only through the cluster's entity; a cluster held by another run (the watch records it and ends well); pause and
 * resume over REST with an operator token.
 */
import assert from 'node:assert/strict';
import type { ScheduleDescription } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../activities';
import { buildApp } from '../../api/app';
import { lastExpiryReadings, upsertExpirySchedules } from '../../clients/expiry-schedules';
import type { Inventory } from '../../domain/inventory/types';
import type { ClusterConfig } from '../../simulator/model';
import { createWorker } from '../../worker/create-worker';
import { WorkerMetrics, serveWorkerMetrics } from '../../worker/metrics';
import { clusterEntityId, clusterStateQuery } from '../../domain/contract/cluster-entity';
import { expiryScheduleId, type ExpiryWatchResult } from '../../domain/contract/expiry-watch';
import { startControl } from '../support/control';
import { writesIn } from '../support/event-log';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { postJson } from '../support/system';
import { removeSchedulesAndRuns, sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const DUE = 'expdue';
const HELD = 'expheld';
const clusters: ClusterConfig[] = [
  {
    id: DUE,
    version: '14.0.1.13900-155',
    nodes: [{ name: `${DUE}-pub`, role: 'publisher' }],
    // tomcat and ipsec within renewBeforeDays 30; every other unit valid for years.
    initialValidityDays: { tomcat: 10, ipsec: 25 },
  },
  {
    id: HELD,
    version: '14.0.1.13900-155',
    nodes: [{ name: `${HELD}-pub`, role: 'publisher' }],
    initialValidityDays: { tomcat: 5 },
  },
];
const TOKENS = { olivia: 'operator-token-0123456789', vera: 'viewer-token-0123456789ab' };

describe('expiry watch: a Schedule per cluster, metrics, renewal through the cluster entity', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let inventory: Inventory;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let metricsServer: Awaited<ReturnType<typeof serveWorkerMetrics>>;
  let app: FastifyInstance;
  let base: string;
  let heldBy: string;

  const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

  before(async () => {
    env = await sharedDevServer();
    lab = await startSimulatedCluster(clusters);
    inventory = structuredClone(lab.inventory);
    Object.assign(
      inventory.clusters.find((c) => c.id === DUE)!,
      { renewBeforeDays: 30 },
    );
    Object.assign(
      inventory.clusters.find((c) => c.id === HELD)!,
      {
        renewBeforeDays: 30,
        expiryWatch: { at: '07:15', timeZone: 'Europe/Paris' },
      },
    );
    taskQueue = uniqueTaskQueue('expiry');
    const metrics = new WorkerMetrics({ processMetrics: false });
    metricsServer = await serveWorkerMetrics(metrics, { port: 0 });
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({ ...lab.activityDeps, inventory, expiryGauges: metrics }),
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
    app = await buildApp(
      { temporal: env.client, namespace: 'default', taskQueue, inventory },
      {
        workerMetricsUrl: metricsServer.url,
        auth: {
          tokens: [
            { name: 'olivia', role: 'operator', token: TOKENS.olivia },
            { name: 'vera', role: 'viewer', token: TOKENS.vera },
          ],
        },
      },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    // HELD is taken by a run waiting at its gate before its Schedule exists, so the first watch finds it held.
    const held = await postJson(`${base}/v1/clusters/${HELD}/regenerations`, { units: ['CAPF'] }, auth('olivia'));
    assert.equal(held.status, 202, JSON.stringify(held.json));
    heldBy = held.json.id as string;
  });
  after(async () => {
    await removeSchedulesAndRuns(
      env.client,
      taskQueue,
      clusters.map((c) => c.id),
    );
    await app?.close();
    worker?.shutdown();
    await running;
    await metricsServer?.close();
    await lab?.sim.stop();
  });

  const schedule = (clusterId: string) => env.client.schedule.getHandle(expiryScheduleId(clusterId, taskQueue));

  /**
   * The watch run the cluster's Schedule took as it was created, and its result. Exactly one: the second upsert (a
   * worker's restart) updated the Schedule and must not have run another.
   */
  async function firstWatch(clusterId: string): Promise<{ workflowId: string; result: ExpiryWatchResult }> {
    const handle = schedule(clusterId);
    const action = await waitFor(`the first run of ${handle.scheduleId}, without a trigger`, async () =>
      (await handle.describe()).info.recentActions.at(0),
    );
    const workflowId = action.action.workflow.workflowId;
    const result = (await env.client.workflow.getHandle(workflowId).result()) as ExpiryWatchResult;
    const actions = (await handle.describe()).info.recentActions.length;
    assert.equal(actions, 1, `${handle.scheduleId} ran ${actions} watches: one at creation, none at the update`);
    return { workflowId, result };
  }

  it('creates one Schedule per cluster from the inventory, idempotently, daily at the local time in its zone', async () => {
    const first = await upsertExpirySchedules(env.client, inventory, taskQueue);
    assert.deepEqual(
      first.map((s) => s.created),
      [true, true],
    );
    const again = await upsertExpirySchedules(env.client, inventory, taskQueue);
    assert.deepEqual(
      again.map((s) => s.created),
      [false, false],
    );
    const d: ScheduleDescription = await schedule(DUE).describe();
    console.log(
      `      [expiry] ${d.scheduleId}: ${JSON.stringify({ spec: d.spec, action: d.action, policies: d.policies, state: d.state, memo: d.memo, nextActionTimes: d.info.nextActionTimes }, null, 1)}`,
    );
    assert.equal(d.action.type, 'startWorkflow');
    assert.equal(d.state.paused, false);
    // 06:00 UTC by default; 07:15 Europe/Paris is 06:15 UTC in December (CET): the calendar's zone is Temporal's.
    const next = (id: string) =>
      schedule(id)
        .describe()
        .then((s) => s.info.nextActionTimes[0]!.toISOString());
    assert.match(await next(DUE), /T06:00:00\.000Z$/);
    assert.match(await next(HELD), /T06:15:00\.000Z$/);
  });

  it('runs the first watch at creation: exports the metrics, starts one renewal of the due units, gated', async () => {
    const { workflowId, result } = await firstWatch(DUE);
    console.log(`      [expiry] ${workflowId}: ${result.summary}`);
    assert.deepEqual(
      result.due.map((u) => u.unit),
      ['tomcat', 'ipsec'],
    );
    assert.equal(result.renewal.status, 'started');
    const renewalId = result.renewal.status === 'started' ? result.renewal.workflowId : '';
    // The renewal is the entity's run, a rotation of exactly the due units, waiting for an approver before it starts.
    const holder = (await env.client.workflow.getHandle(clusterEntityId(DUE, taskQueue)).query(clusterStateQuery))
      .holder;
    assert.equal(holder?.workflowId, renewalId);
    assert.deepEqual(holder?.units, ['tomcat', 'ipsec']);
    assert.equal(holder?.requestedBy, 'expiry-watch');
    assert.equal(holder?.type, 'rotateCluster');
    let seen: unknown;
    const doc = await waitFor('the renewal at its before-start gate', async () => {
      const r = await fetch(`${base}/v1/regenerations/${renewalId}`, { headers: auth('vera') });
      const j = (await r.json()) as {
        status?: string;
        pendingGates?: Array<{ kind: string; policy?: { approvers: string; rule: string } }>;
      };
      seen = j;
      return j.pendingGates?.some((g) => g.kind === 'before-start') ? j : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(seen).slice(0, 1500)}`);
    });
    assert.equal(
      doc.status,
      'awaiting-approval',
      `the renewal is not waiting for its approval: ${JSON.stringify(doc)}`,
    );
    // The watch's renewal obeys the same approval policy as a manual start: the inventory's, carried in its request.
    assert.deepEqual(
      doc.pendingGates?.find((g) => g.kind === 'before-start')?.policy,
      { approvers: 'one', rule: 'built-in: one approver' },
      'the renewal gate is decided under the approval policy the watch carried from the inventory',
    );
    // Nothing changed on the cluster: the watch and the gated renewal only read (the simulator's log, over its API).
    const control = await startControl(lab.sim);
    try {
      const writes = writesIn(await control.events(DUE));
      assert.deepEqual(writes, [], `the watch or its gated renewal changed the cluster: ${JSON.stringify(writes)}`);
    } finally {
      await control.close();
    }

    const text = await (await fetch(metricsServer.url)).text();
    const lines = text.split('\n').filter((l) => /^cucm_(certificate_expiry_days|expired_trust)/.test(l));
    console.log(`      [expiry] worker /metrics:\n${lines.map((l) => `        ${l}`).join('\n')}`);
    assert.ok(lines.includes(`cucm_certificate_expiry_days{cluster="${DUE}",node="${DUE}-pub",unit="tomcat"} 9`));
    assert.ok(lines.includes(`cucm_certificate_expiry_days{cluster="${DUE}",node="${DUE}-pub",unit="ipsec"} 24`));
    assert.ok(
      lines.some((l) => l.startsWith(`cucm_certificate_expiry_days{cluster="${DUE}",node="${DUE}-pub",unit="CAPF"} `)),
    );
    // The simulator plants one expired certificate in tomcat-trust and one in CallManager-trust per node.
    assert.ok(lines.includes(`cucm_expired_trust_certificates{cluster="${DUE}",node="${DUE}-pub"} 2`));
    // One scrape of the API shows them too (the worker's registry federated into its /metrics).
    const scraped = await (await fetch(`${base}/metrics`)).text();
    assert.ok(scraped.includes(`cucm_certificate_expiry_days{cluster="${DUE}",node="${DUE}-pub",unit="tomcat"} 9`));
  });

  it('never starts a renewal while another run holds the cluster: records the holder and ends well', async () => {
    const { workflowId, result } = await firstWatch(HELD);
    console.log(`      [expiry] ${workflowId}: ${result.summary}`);
    assert.deepEqual(
      result.due.map((u) => u.unit),
      ['tomcat'],
    );
    assert.equal(result.renewal.status, 'held');
    assert.match(result.summary, new RegExp(`Held by ${heldBy} .*will retry tomorrow`));
    const holder = (await env.client.workflow.getHandle(clusterEntityId(HELD, taskQueue)).query(clusterStateQuery))
      .holder;
    assert.equal(holder?.workflowId, heldBy);
    // The watch run completed (a refusal is an answer, not a failure).
    assert.equal((await env.client.workflow.getHandle(workflowId).describe()).status.name, 'COMPLETED');
  });

  it("a worker that starts later shows the last watch's readings on /metrics at once, not after the next day's", async () => {
    // A fresh registry stands for the restarted worker's; it is filled the way worker/main.ts fills it at start.
    const restarted = new WorkerMetrics({ processMetrics: false });
    const readings = await lastExpiryReadings(env.client, inventory, taskQueue);
    assert.deepEqual(
      readings.map((r) => r.clusterId),
      [DUE, HELD],
      'every cluster, each from its first watch',
    );
    for (const r of readings) restarted.recordExpiry(r.reading);
    const served = await serveWorkerMetrics(restarted, { port: 0 });
    try {
      const text = await (await fetch(served.url)).text();
      assert.ok(text.includes(`cucm_certificate_expiry_days{cluster="${DUE}",node="${DUE}-pub",unit="tomcat"} 9`));
      assert.ok(text.includes(`cucm_expired_trust_certificates{cluster="${DUE}",node="${DUE}-pub"}`));
    } finally {
      await served.close();
    }
  });

  it('pauses and resumes over REST with a note (operator role), and shows state, next runs and last result', async () => {
    const url = `${base}/v1/clusters/${DUE}/expiry-watch`;
    const viewer = await postJson(`${url}/pause`, { note: 'no' }, auth('vera'));
    assert.equal(viewer.status, 403);
    for (const bad of [{ note: 5 }, { note: '' }, { reason: 'typo' }]) {
      const refused = await postJson(`${url}/pause`, bad, auth('olivia'));
      assert.equal(refused.status, 400, JSON.stringify(refused.json));
    }
    assert.equal((await schedule(DUE).describe()).state.paused, false);
    const paused = await postJson(`${url}/pause`, { note: 'CA migration this week' }, auth('olivia'));
    assert.equal(paused.status, 200, JSON.stringify(paused.json));
    assert.equal(paused.json.state, 'paused');
    assert.equal(paused.json.note, 'Paused by olivia over the REST API: CA migration this week');
    const d = await schedule(DUE).describe();
    assert.equal(d.state.paused, true);
    assert.equal(d.state.note, 'Paused by olivia over the REST API: CA migration this week');
    // A worker restart (the upsert again) keeps it paused.
    await upsertExpirySchedules(env.client, inventory, taskQueue);
    assert.equal((await schedule(DUE).describe()).state.paused, true);

    const resumed = await postJson(`${url}/resume`, { note: 'done' }, auth('olivia'));
    assert.equal(resumed.status, 200);
    assert.equal(resumed.json.state, 'active');
    assert.equal((await schedule(DUE).describe()).state.paused, false);

    const shown = (await (await fetch(url, { headers: auth('vera') })).json()) as Record<string, unknown>;
    console.log(`      [expiry] GET ${url}: ${JSON.stringify(shown).slice(0, 600)}`);
    assert.equal(shown.state, 'active');
    assert.match(String((shown.nextRuns as string[])[0]), /T06:00:00\.000Z$/);
    const last = shown.lastRun as { status: string; result: ExpiryWatchResult };
    assert.equal(last.status, 'COMPLETED');
    assert.equal(last.result.renewal.status, 'started');

    const unknown = await fetch(`${base}/v1/clusters/nope/expiry-watch`, { headers: auth('vera') });
    assert.equal(unknown.status, 404);
  });
});
