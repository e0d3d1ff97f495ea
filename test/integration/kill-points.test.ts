/**
 * Worker kills at the moments where a retry must not redo what the killed attempt did, each proving what it claims.
 * The production worker (worker/main.ts, a child process) is killed with SIGKILL the moment the simulator logs the
 * change (watched over its control API), and a new worker starts. For each kill the test asserts
 *
 * - its premise: the change was on the node before the worker died (the simulator's event log), and the activity
 *   running at the kill never completed that attempt (the workflow history: it ended at a later attempt);
 * - its outcome: the run completed; the retry found the change and did not make it again (its result says so);
 *   each unit changed once per node; no restart and no phone reset repeated.
 *
 * Kill points: the CTL update (CAPF on 14.0 mixed mode), the CSR and the upload of the signed chain (a CA-signed
 * tomcat on 12.5, where both go through the CLI), a retry from a step-failed gate (tomcat on 14.0: the first attempt
 * fails on the node's refused login, the retry regenerates and is killed), and the trust cleanup (11.5, Certificate
 * Change Notification stopped while deleting). One simulator with a one-node cluster per kill point; after each
 * kill the stranded activity's timeouts are shortened (see rotation-kill.test.ts) so the server retries in seconds.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { cleanupExpiredTrust } from '../../workflows/cleanup-expired-trust';
import { decideGateUpdate, stateQuery, submitSignedChainUpdate } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { runOn } from '../support/cli';
import { startControl, type Control, type SimEvent } from '../support/control';
import { activitiesOf, expediteStrandedActivities, type ActivityRecord } from '../support/kills';
import { waitFor } from '../support/net';
import { signCsr } from '../support/pki';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const PUB = [{ name: 'pub', role: 'publisher' as const }];

describe('worker kills at the CTL update, the CSR, the upload, a step-failed retry and the trust cleanup', function () {
  this.timeout(150_000);
  let sim: RunningSimulator;
  let control: Control;
  let workers: WorkerProcesses;
  let worker: ChildProcess;
  let client: Client;
  let taskQueue: string;

  before(async function () {
    this.timeout(120_000);
    sim = await startSimulator(
      [
        {
          id: 'ctl14',
          version: '14.0.1.13900-155',
          securityMode: 1,
          nodes: PUB,
          phones: { count: 8, secureShare: 0.5, registerDelayMs: [500, 2_000] },
        },
        { id: 'ca125', version: '12.5.1.16900-48', caSignedUnits: ['tomcat'], nodes: PUB },
        { id: 'sf14', version: '14.0.1.13900-155', nodes: PUB },
        { id: 'trust115', version: '11.5.1.21900-40', nodes: PUB, expiredTrustPerStore: 1 },
      ],
      { timeScale: 0.02 },
    );
    control = await startControl(sim);
    const temporal = await sharedDevServer();
    client = temporal.client;
    taskQueue = uniqueTaskQueue('kill-points');
    workers = workerProcesses(sim, { temporalAddress: temporal.address, taskQueue });
    worker = await workers.start();
  });
  after(async () => {
    await workers?.stopAll();
    await control?.close();
    await sim?.stop();
  });

  /** Kills the worker, notes the last event the simulator logged before it died, and starts another. */
  async function kill(clusterId: string, workflowId: string): Promise<number> {
    await workers.kill(worker);
    const last = await control.lastSeq(clusterId);
    await expediteStrandedActivities(client, [workflowId]);
    worker = await workers.start();
    return last;
  }
  /** The one activity of `type` (and matching input) in the run's history. */
  async function onlyActivity(
    workflowId: string,
    type: string,
    match: (input: Record<string, unknown>) => boolean = () => true,
  ): Promise<ActivityRecord> {
    const found = (await activitiesOf(client, workflowId)).filter((a) => a.type === type && match(a.input));
    assert.equal(found.length, 1, `one ${type} in ${workflowId}`);
    return found[0]!;
  }
  /** The premise of a kill: `event` was logged before the worker died, and the attempt it was in never completed. */
  function assertKilledMidActivity(record: ActivityRecord, event: SimEvent, lastBeforeKill: number, what: string) {
    assert.ok(event.seq <= lastBeforeKill, `${what}: the change was on the node before the worker died`);
    assert.equal(record.outcome, 'completed', `${what}: the activity completed in the end`);
    assert.ok(
      (record.attempt ?? 0) >= 2,
      `${what}: the killed attempt never completed (ended at attempt ${record.attempt})`,
    );
  }
  const count = (events: SimEvent[], kind: string) => events.filter((e) => e.kind === kind).length;
  /** `node:service` → how many times it began a restart (STOPPING). */
  const restartsIn = (events: SimEvent[]) => {
    const counts: Record<string, number> = {};
    for (const e of events)
      if (e.kind === 'service-state' && e.detail.state === 'STOPPING') {
        const key = `${e.node}:${e.detail.service}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    return counts;
  };
  const start = (clusterId: string, args: Parameters<typeof regenerateCertificate>[0]) =>
    client.workflow.start(regenerateCertificate, {
      workflowId: `kill-${clusterId}-${Date.now()}`,
      taskQueue,
      args: [args],
    });

  it('at the CTL update (CAPF, 14.0 mixed mode): the retry updates it again, harmlessly; nothing else repeats', async () => {
    const before = await control.serial('ctl14', 'pub', 'CAPF');
    const handle = await start('ctl14', {
      clusterId: 'ctl14',
      units: ['CAPF'],
      approvals: [],
      registrationPollSeconds: 1,
    });
    const updated = await control.nextEvent('ctl14', (e) => e.kind === 'ctl-updated', 'the CTL update');
    const lastBeforeKill = await kill('ctl14', handle.workflowId);

    const result = await handle.result();
    const ctl = await onlyActivity(handle.workflowId, 'updateCtlFile');
    assertKilledMidActivity(ctl, updated, lastBeforeKill, 'CTL kill');
    assert.equal(ctl.result?.updated, true);
    const events = await control.events('ctl14');
    // `utils ctl update CTLFile` rebuilds the file from the current certificates: the retry's second update is the
    // documented, harmless way to recover; everything around it happened once.
    assert.equal(count(events, 'ctl-updated'), 2, 'the killed update and its retry');
    assert.equal(count(events, 'cert-regenerated'), 1, 'CAPF regenerated once');
    assert.ok(
      Object.values(restartsIn(events)).every((n) => n === 1),
      `each service restarted once: ${JSON.stringify(restartsIn(events))}`,
    );
    const resets = events.filter((e) => e.kind === 'phone-reset').map((e) => e.detail.phone);
    assert.equal(new Set(resets).size, resets.length, 'no phone reset twice');
    assert.equal(result.ctlUpdated, true);
    assert.notEqual(await control.serial('ctl14', 'pub', 'CAPF'), before);
    assert.deepEqual((await control.phones('ctl14')).counts, { Registered: 8, UnRegistered: 0, Rejected: 0 });
  });

  it('at the CSR and at the upload of the signed chain (CA-signed tomcat, 12.5): each retry uses what the node holds', async () => {
    const ca = sim.cluster('ca125').ca; // the engineer's CA, not the cluster's state
    assert.ok(ca);
    const handle = await start('ca125', { clusterId: 'ca125', units: ['tomcat'], approvals: [] });

    // 1. Killed right after the node generated the CSR (before `show csr own` reached the worker).
    const csrEvent = await control.nextEvent('ca125', (e) => e.kind === 'csr-generated', 'the CSR');
    const lastBeforeCsrKill = await kill('ca125', handle.workflowId);
    await waitFor(
      'the signed-certificate gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      60_000,
    );
    const csr = await onlyActivity(handle.workflowId, 'generateCsr');
    assertKilledMidActivity(csr, csrEvent, lastBeforeCsrKill, 'CSR kill');
    // Outcome: the CSR the run hands the engineer is the one the node holds the key of (the retry's).
    const { csrs = [] } = await handle.query(stateQuery);
    assert.equal(csrs.length, 1);
    const [onNode] = await runOn(sim, 'ca125', 'pub', 'show csr own tomcat');
    assert.equal(onNode?.trim(), csrs[0]!.csrPem.trim(), 'the run carries the CSR the node holds now');

    // 2. Killed right after the node installed the signed certificate (before the activity reported it).
    const leaf = signCsr(csrs[0]!.csrPem, ca);
    await handle.executeUpdate(submitSignedChainUpdate, {
      args: [{ nodeId: 'pub', chainPem: `${leaf}${ca.pem}`, by: 'pki-team' }],
    });
    const imported = await control.nextEvent('ca125', (e) => e.kind === 'cert-imported', 'the signed certificate');
    const lastBeforeUploadKill = await kill('ca125', handle.workflowId);
    const result = await handle.result();
    const upload = await onlyActivity(handle.workflowId, 'uploadCertificateChain');
    assertKilledMidActivity(upload, imported, lastBeforeUploadKill, 'upload kill');

    const events = await control.events('ca125');
    assert.equal(count(events, 'cert-imported'), 1, 'the retry found the signed certificate installed');
    assert.equal(count(events, 'cert-regenerated'), 0, 'never self-signed');
    assert.deepEqual(restartsIn(events), { 'pub:Cisco Tomcat': 1 }, 'Tomcat restarted once');
    const view = (await control.node('ca125', 'pub')).certificates.tomcat!;
    assert.equal(view.serial.toLowerCase(), result.nodes[0]?.serialAfter.toLowerCase());
    // The CLI's import logs the serial it installed (`serial`; the REST API's logs serialBefore/serialAfter).
    assert.equal(view.serial.toLowerCase(), (imported.detail.serial ?? imported.detail.serialAfter)?.toLowerCase());
    assert.match(view.issuer, /Lab|CA/i, 'still CA-signed');
  });

  it('during a retry from a step-failed gate (tomcat, 14.0): the retry of the retry finds the new serial', async () => {
    const before = await control.serial('sf14', 'pub', 'tomcat');
    const handle = await start('sf14', { clusterId: 'sf14', units: ['tomcat'], approvals: ['before-start'] });
    const startGate = await waitFor(
      'the before-start gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'before-start'),
      60_000,
    );
    // The node's OS admin password changes under the run (the inventory's secret file is stale): a fresh worker,
    // so no session opened before survives, and the regeneration's first attempt is refused at login.
    const secretFile = join(workers.dir, 'sf14-os-admin');
    const { password } = sim.endpoints.clusters.find((c) => c.id === 'sf14')!.nodes[0]!;
    await workers.kill(worker);
    writeFileSync(secretFile, 'not-the-password', { mode: 0o600 });
    worker = await workers.start();
    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: startGate.id, decision: 'approve', by: 'carol' }],
    });
    const failedGate = await waitFor(
      'the step-failed gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'step-failed'),
      60_000,
    );
    assert.equal(count(await control.events('sf14'), 'cert-regenerated'), 0, 'nothing regenerated before the gate');

    // The engineer fixes the secret and retries; the worker dies the moment the node regenerates.
    writeFileSync(secretFile, password, { mode: 0o600 });
    const decidedAt = await control.lastSeq('sf14');
    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: failedGate.id, decision: 'retry', by: 'carol' }],
    });
    const regen = await control.nextEvent(
      'sf14',
      (e) => e.kind === 'cert-regenerated',
      'the retried regeneration',
      decidedAt,
    );
    const lastBeforeKill = await kill('sf14', handle.workflowId);
    const result = await handle.result();

    // Premise: the retry (from the gate) regenerated, and its attempt never completed.
    const attempts = (await activitiesOf(client, handle.workflowId)).filter((a) => a.type === 'regenerateCertificate');
    assert.equal(attempts.length, 1, 'the first attempt failed before regenerateCertificate (its serial read)');
    assertKilledMidActivity(attempts[0]!, regen, lastBeforeKill, 'step-failed retry kill');
    // Outcome: the retry after the kill compared with the serial read before, found the new one, did not regenerate.
    assert.equal(attempts[0]!.result?.regeneratedNow, false, 'the retry found the node already regenerated');
    assert.equal(String(attempts[0]!.input.serialBefore).toLowerCase(), before);
    const events = await control.events('sf14');
    assert.equal(count(events, 'cert-regenerated'), 1, 'tomcat regenerated once');
    assert.deepEqual(restartsIn(events), { 'pub:Cisco Tomcat': 1 }, 'Tomcat restarted once');
    assert.ok(count(events, 'ssh-login-failed') >= 1, 'the first attempt was refused at login');
    assert.equal(result.nodes[0]?.serialAfter.toLowerCase(), await control.serial('sf14', 'pub', 'tomcat'));
    assert.deepEqual(
      (await handle.query(stateQuery)).decisions.map((d) => `${d.kind}:${d.decision}`),
      ['before-start:approve', 'step-failed:retry'],
    );
  });

  it('during the trust cleanup (11.5): the killed deletion is found done, nothing is deleted or restarted twice', async () => {
    const expiredOf = async () =>
      Object.entries((await control.node('trust115', 'pub')).trust).flatMap(([store, entries]) =>
        entries.filter((e) => Date.parse(e.validTo) < Date.now()).map((e) => `${store}/${e.filename}`),
      );
    const expired = await expiredOf();
    assert.ok(expired.length >= 2, `expired trust to clean: ${expired.join(', ')}`);
    const handle = await client.workflow.start(cleanupExpiredTrust, {
      workflowId: `kill-trust115-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'trust115' }],
    });
    const deleted = await control.nextEvent('trust115', (e) => e.kind === 'trust-deleted', 'the first deletion');
    const lastBeforeKill = await kill('trust115', handle.workflowId);
    const result = await handle.result();

    const killed = await onlyActivity(
      handle.workflowId,
      'deleteTrustCertificate',
      (i) => i.store === deleted.detail.store && i.file === deleted.detail.filename,
    );
    assertKilledMidActivity(killed, deleted, lastBeforeKill, 'cleanup kill');
    assert.equal(killed.result?.deleted, false, 'the retry found it gone');
    assert.match(String(killed.result?.reason), /already deleted/);

    const events = await control.events('trust115');
    const deletions = events
      .filter((e) => e.kind === 'trust-deleted')
      .map((e) => `${e.detail.store}/${e.detail.filename}`);
    assert.deepEqual(deletions.sort(), [...expired].sort(), 'every expired certificate deleted once');
    assert.deepEqual(await expiredOf(), [], 'none left');
    const ccn = events
      .filter((e) => e.kind === 'service-state' && e.detail.service === 'Cisco Certificate Change Notification')
      .map((e) => e.detail.state);
    assert.deepEqual(ccn, ['STOPPING', 'STOPPED', 'STARTING', 'STARTED'], 'CCN stopped and started once');
    assert.ok(
      Object.values(restartsIn(events)).every((n) => n === 1),
      `each service restarted once: ${JSON.stringify(restartsIn(events))}`,
    );
    // The run reports the killed deletion as not done by it (the node had it gone); the rest as deleted.
    assert.equal(result.deleted.length, expired.length - 1);
  });
});
