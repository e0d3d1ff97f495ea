/**
 * Change freezes and gate reminders, every layer real: the dev server, the simulator, the expiry Schedules the
 * worker writes from the inventory, the REST API, and a webhook receiver on loopback.
 * - A freeze that begins within the hour and covers the next 10 days, with tomcat expiring on day 5 (not due yet
 *   under renewBeforeDays 2): the watch renews tomcat now, before the freeze, and the renewal completes.
 * - A freeze that covers now: the watch starts nothing (its result says which freeze, until when) and a REST start
 *   is a 409 naming the freeze and its end; the cluster is not touched.
 * - A gate left open sends its reminder, then its escalation (to the escalation channel), once each; a gate decided
 *   before its reminder sends none, and its reminder timer is cancelled in the history.
 */
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../activities';
import { buildApp } from '../../api/app';
import { upsertExpirySchedules } from '../../clients/expiry-schedules';
import { clusterEntityId, clusterStateQuery } from '../../domain/contract/cluster-entity';
import { expiryScheduleId, type ExpiryWatchResult } from '../../domain/contract/expiry-watch';
import type { Inventory, InventoryCluster } from '../../domain/inventory/types';
import { decideGateUpdate } from '../../domain/messages';
import type { NotificationEvent } from '../../domain/notification-events';
import type { ClusterConfig } from '../../simulator/model';
import { createWorker } from '../../worker/create-worker';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { regenerationsIn, writesIn } from '../support/event-log';
import { waitFor } from '../support/net';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { postJson } from '../support/system';
import { removeSchedulesAndRuns, sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const SOON = 'frzsoon';
const NOW_FROZEN = 'frznow';
const REMIND = 'remind1';
const QUIET = 'remind2';
const one = (id: string, extra: Partial<ClusterConfig> = {}): ClusterConfig => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' }],
  ...extra,
});
const clusters: ClusterConfig[] = [
  one(SOON, { initialValidityDays: { tomcat: 5 } }),
  one(NOW_FROZEN, { initialValidityDays: { tomcat: 5 } }),
  one(REMIND),
  one(QUIET),
];
const TOKENS = { olivia: 'operator-token-0123456789' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The local date and time "YYYY-MM-DDTHH:MM" of an instant in a zone: how a person writes a freeze. */
function local(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

describe('change freezes and gate reminders', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let http: HttpReceiver;
  let inventory: Inventory;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let app: FastifyInstance;
  let base: string;

  const cluster = (id: string) => inventory.clusters.find((c) => c.id === id) as InventoryCluster;

  before(async () => {
    http = await startHttpReceiver();
    [env, lab] = await Promise.all([sharedDevServer(), startSimulatedCluster(clusters)]);
    inventory = structuredClone(lab.inventory);
    const now = Date.now();
    // Begins within the hour (so the watch runs before it) and covers the next 10 days; written in Paris time.
    Object.assign(cluster(SOON), {
      renewBeforeDays: 2,
      renewal: { approvals: [] },
      freezes: [
        {
          name: 'Holidays',
          start: local(now + HOUR, 'Europe/Paris'),
          end: local(now + 10 * DAY, 'Europe/Paris'),
          timeZone: 'Europe/Paris',
        },
      ],
    });
    // Began an hour ago and covers the next 10 days; written in New York time.
    Object.assign(cluster(NOW_FROZEN), {
      renewBeforeDays: 30,
      freezes: [
        {
          name: 'Quarter end',
          start: local(now - HOUR, 'America/New_York'),
          end: local(now + 10 * DAY, 'America/New_York'),
          timeZone: 'America/New_York',
        },
      ],
    });
    const hook = (id: string, path: string) => ({
      id,
      kind: 'webhook' as const,
      urlRef: `env:HOOK_${path.toUpperCase()}`,
      hmacKeyRef: 'env:HOOK_KEY',
    });
    Object.assign(cluster(REMIND), {
      notifications: [hook('team', 'team')],
      escalation: [hook('oncall', 'oncall')],
      gateReminders: { remindAfterSeconds: 1, escalateAfterSeconds: 1 },
    });
    Object.assign(cluster(QUIET), {
      notifications: [hook('team2', 'team')],
      escalation: [hook('oncall2', 'oncall')],
      gateReminders: { remindAfterSeconds: 3600, escalateAfterSeconds: 3600 },
    });
    const secrets = new Map([
      ['env:HOOK_TEAM', `${http.url}/team`],
      ['env:HOOK_ONCALL', `${http.url}/oncall`],
      ['env:HOOK_KEY', 'hook-hmac-key'],
    ]);
    taskQueue = uniqueTaskQueue('freeze');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({
        ...lab.activityDeps,
        inventory,
        resolveSecret: (ref) => secrets.get(ref) ?? lab.activityDeps.resolveSecret(ref),
      }),
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
    app = await buildApp(
      { temporal: env.client, namespace: 'default', taskQueue, inventory },
      { auth: { tokens: [{ name: 'olivia', role: 'operator', token: TOKENS.olivia }] } },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
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
    await lab?.sim.stop();
    await http?.close();
  });

  /** The watch the cluster's Schedule ran as it was created, and its result. */
  async function firstWatch(clusterId: string): Promise<ExpiryWatchResult> {
    const handle = env.client.schedule.getHandle(expiryScheduleId(clusterId, taskQueue));
    const action = await waitFor(`the first run of ${handle.scheduleId}`, async () =>
      (await handle.describe()).info.recentActions.at(0),
    );
    return (await env.client.workflow.getHandle(action.action.workflow.workflowId).result()) as ExpiryWatchResult;
  }

  it('renews tomcat before a freeze that covers its expiry, though it is not due yet under renewBeforeDays', async () => {
    await upsertExpirySchedules(env.client, { clusters: [cluster(SOON)] }, taskQueue);
    const result = await firstWatch(SOON);
    console.log(`      [freeze] ${SOON}: ${result.summary}`);
    assert.deepEqual(
      result.due.map((u) => [u.unit, u.beforeFreeze?.name]),
      [['tomcat', 'Holidays']],
      `tomcat (5 days left, renewBeforeDays 2) should be due because of the freeze: ${result.summary}`,
    );
    assert.match(result.summary, /renewed before change freeze "Holidays"/);
    assert.equal(result.renewal.status, 'started', `the watch should start the renewal: ${result.summary}`);
    const renewalId = result.renewal.status === 'started' ? result.renewal.workflowId : '';
    // No gate (approvals []): the renewal runs to its end, before the freeze begins within the hour.
    await env.client.workflow.getHandle(renewalId).result();
    const regenerated = regenerationsIn(await lab.control.events(SOON));
    assert.deepEqual(
      regenerated,
      [`${SOON}-pub:tomcat`],
      `the cluster should show tomcat regenerated: ${regenerated.join(', ')}`,
    );
  });

  it('inside a freeze nothing starts: the watch starts nothing and says why, a REST start is a 409', async () => {
    await upsertExpirySchedules(env.client, { clusters: [cluster(NOW_FROZEN)] }, taskQueue);
    const result = await firstWatch(NOW_FROZEN);
    console.log(`      [freeze] ${NOW_FROZEN}: ${result.summary}`);
    assert.deepEqual(
      result.due.map((u) => u.unit),
      ['tomcat'],
    );
    assert.equal(result.renewal.status, 'frozen', `the watch should not start inside the freeze: ${result.summary}`);
    assert.match(result.summary, /Inside change freeze "Quarter end" .*nothing started/);

    const refused = await postJson(
      `${base}/v1/clusters/${NOW_FROZEN}/regenerations`,
      { units: ['tomcat'] },
      { authorization: `Bearer ${TOKENS.olivia}` },
    );
    console.log(`      [freeze] POST regenerations: ${refused.status} ${JSON.stringify(refused.json)}`);
    assert.equal(refused.status, 409, `a start inside the freeze should be refused: ${JSON.stringify(refused.json)}`);
    assert.match(String(refused.json.detail), /change freeze "Quarter end".*nothing starts until \d{4}-\d\d-\d\dT/);
    assert.equal(refused.json.freeze, 'Quarter end');
    // The watch's document says so too.
    const watch = await fetch(`${base}/v1/clusters/${NOW_FROZEN}/expiry-watch`, {
      headers: { authorization: `Bearer ${TOKENS.olivia}` },
    });
    const shown = (await watch.json()) as { freezes?: Array<{ name: string }>; frozenUntil?: string };
    assert.deepEqual(
      shown.freezes?.map((f) => f.name),
      ['Quarter end'],
      `GET expiry-watch: ${JSON.stringify(shown)}`,
    );
    assert.equal(shown.frozenUntil, refused.json.freezeEndsAt, 'the watch document says until when');

    // Nothing was started: the cluster's entity holds no run (it need not even exist), and the cluster saw no write.
    const holder = await env.client.workflow
      .getHandle(clusterEntityId(NOW_FROZEN, taskQueue))
      .query(clusterStateQuery)
      .then((s) => s.holder)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      });
    assert.equal(holder, undefined, `no run should hold ${NOW_FROZEN}: ${JSON.stringify(holder)}`);
    const writes = writesIn(await lab.control.events(NOW_FROZEN));
    assert.deepEqual(writes, [], `the frozen cluster was changed: ${JSON.stringify(writes)}`);
  });

  /** The events the receiver got at `path` for one run. */
  const eventsOf = (path: string, workflowId: string) =>
    http.requests
      .filter((r) => r.path === path)
      .map((r) => (JSON.parse(r.body) as { event: NotificationEvent }).event)
      .filter((e) => e.workflowId === workflowId);

  it('a gate left open reminds the team, then escalates to the on-call channel, once each', async () => {
    const handle = await env.client.workflow.start(regenerateCertificate, {
      workflowId: `regen-${REMIND}-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: REMIND, units: ['tomcat'], requestedBy: 'test' }],
    });
    // Both channels get the escalation, delivered side by side: wait for the two.
    const escalated = await waitFor('the escalation at the on-call and the team webhooks', async () =>
      eventsOf('/team', handle.workflowId).some((e) => e.kind === 'gate-escalated')
        ? eventsOf('/oncall', handle.workflowId).find((e) => e.kind === 'gate-escalated')
        : undefined,
    );
    assert.equal(escalated.gate?.id, 'tomcat.before-start-1');
    assert.match(escalated.title, /escalated, still open since .*approval needed before anything changes/);
    const team = eventsOf('/team', handle.workflowId).map((e) => e.kind);
    assert.deepEqual(
      team,
      ['gate-opened', 'gate-reminder', 'gate-escalated'],
      `the team channel should get the gate, its reminder, then its escalation: ${team.join(', ')}`,
    );

    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: 'tomcat.before-start-1', decision: 'approve', by: 'alice' }],
    });
    await handle.result();
    const kinds = [...eventsOf('/team', handle.workflowId), ...eventsOf('/oncall', handle.workflowId)].map(
      (e) => e.kind,
    );
    assert.equal(kinds.filter((k) => k === 'gate-reminder').length, 1, `one reminder: ${kinds.join(', ')}`);
    assert.equal(
      kinds.filter((k) => k === 'gate-escalated').length,
      2,
      `one escalation, to each channel: ${kinds.join(', ')}`,
    );
    assert.deepEqual(
      eventsOf('/oncall', handle.workflowId).map((e) => e.kind),
      ['gate-escalated'],
      'the escalation channel takes the escalation only',
    );
    // The timers read well in the Temporal UI: each names its gate and step.
    const summaries = await timerSummaries(handle.workflowId);
    assert.ok(summaries.includes('Gate tomcat.before-start-1: reminder if still open'), summaries.join(' | '));
    assert.ok(summaries.includes('Gate tomcat.before-start-1: escalation if still open'), summaries.join(' | '));
  });

  it('a gate decided before its reminder sends none: the reminder timer is cancelled', async () => {
    const handle = await env.client.workflow.start(regenerateCertificate, {
      workflowId: `regen-${QUIET}-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: QUIET, units: ['tomcat'], requestedBy: 'test' }],
    });
    await waitFor('the gate-opened webhook', async () =>
      eventsOf('/team', handle.workflowId).find((e) => e.kind === 'gate-opened'),
    );
    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: 'tomcat.before-start-1', decision: 'approve', by: 'alice' }],
    });
    await handle.result();
    const kinds = [...eventsOf('/team', handle.workflowId), ...eventsOf('/oncall', handle.workflowId)].map(
      (e) => e.kind,
    );
    assert.deepEqual(kinds, ['gate-opened', 'run-ended'], `no reminder after the decision: ${kinds.join(', ')}`);
    // The run has ended and its reminder timer was cancelled, not left to fire: nothing can come later.
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const started = (history.events ?? []).filter(
      (e) => e.timerStartedEventAttributes && summaryOf(e) === 'Gate tomcat.before-start-1: reminder if still open',
    );
    assert.equal(started.length, 1, 'one reminder timer');
    const timerId = started[0]?.timerStartedEventAttributes?.timerId;
    assert.ok(
      (history.events ?? []).some((e) => e.timerCanceledEventAttributes?.timerId === timerId),
      'the reminder timer was cancelled when the gate was decided',
    );
    assert.ok(!(history.events ?? []).some((e) => e.timerFiredEventAttributes?.timerId === timerId), 'it never fired');
  });

  async function timerSummaries(workflowId: string): Promise<string[]> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => summaryOf(e) ?? '');
  }
});

/** The summary Temporal shows for an event (its user metadata: a JSON string payload). */
function summaryOf(event: {
  userMetadata?: { summary?: { data?: Uint8Array | null } | null } | null;
}): string | undefined {
  const data = event.userMetadata?.summary?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as string) : undefined;
}
