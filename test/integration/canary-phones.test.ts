/**
 * Canary phones before the fleet, on the simulator over the real protocols (Temporal dev server, worker, SSH, AXL,
 * RisPort70): a normal run resets the canaries first, waits for them, then the rest; the two trust hazards stop at
 * the canary-phones-missing gate with only the canaries reset, and an abort there lists what is left. Every reset
 * is counted in the simulator's event log over its control API (AXL doDeviceReset → `phone-reset` events).
 *
 * The product refuses both hazards on its own (the plan never regenerates CallManager and TVS together on a
 * CallManager-signed ITL; in mixed mode the CTL update cannot be skipped), so each is induced by hand over the
 * simulator's SSH, as an engineer working beside the run would: TVS regenerated just before a CallManager run; and
 * CallManager regenerated and restarted on the publisher without `utils ctl update CTLFile`, while a TVS run waits
 * at its before-start gate (after its baseline).
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createWorker } from '../../worker/create-worker';
import type { NotificationEvent } from '../../domain/notification-events';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import type { PendingGate, RegenerationRequest } from '../../domain/types';
import { runOn } from '../support/cli';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import type { Control } from '../support/control';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const PHONES = 48;
const twoNodes = [
  { name: 'pub', role: 'publisher' as const },
  { name: 'sub1', role: 'subscriber' as const },
];

describe('canary phones before the fleet', function () {
  this.timeout(180_000);
  let lab: SimulatedCluster;
  let control: Control;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  /** The 11.5 cluster's webhook channel: what the canary gate tells people. */
  let hook: HttpReceiver;

  before(async () => {
    hook = await startHttpReceiver();
    lab = await startSimulatedCluster(
      [
        {
          id: 'ok14',
          version: '14.0.1.13900-155',
          nodes: twoNodes,
          phones: { count: PHONES, registerDelayMs: [500, 2000] },
          risport: { windowMs: 3000 },
        },
        {
          id: 'itl115',
          version: '11.5.1.21900-40',
          nodes: twoNodes,
          phones: { count: PHONES, registerDelayMs: [500, 2000] },
          risport: { windowMs: 3000 },
        },
        {
          id: 'ctl14',
          version: '14.0.1.13900-155',
          securityMode: 1,
          nodes: twoNodes,
          phones: { count: PHONES, secureShare: 0.5, registerDelayMs: [500, 2000] },
          risport: { windowMs: 3000 },
        },
      ],
      0.01,
    );
    control = lab.control;
    lab.inventory.clusters.find((c) => c.id === 'itl115')!.notifications = [
      { id: 'hook', kind: 'webhook', urlRef: 'env:CANARY_HOOK_URL', hmacKeyRef: 'env:CANARY_HOOK_KEY' },
    ];
    const channelSecrets = new Map([
      ['env:CANARY_HOOK_URL', `${hook.url}/hook`],
      ['env:CANARY_HOOK_KEY', 'canary-hmac-key'],
    ]);
    const env = await sharedDevServer();
    taskQueue = uniqueTaskQueue('canary');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({
        ...lab.activityDeps,
        resolveSecret: (ref) => channelSecrets.get(ref) ?? lab.activityDeps.resolveSecret(ref),
        notifications: {
          links: {
            apiBaseUrl: 'https://regen.example.net',
            temporalUiUrl: 'http://ui.example.net',
            namespace: 'default',
          },
        },
      }),
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
    await hook?.close();
  });

  const start = async (request: RegenerationRequest) =>
    (await sharedDevServer()).client.workflow.start(regenerateCertificate, {
      workflowId: `canary-${request.clusterId}-${Date.now()}`,
      taskQueue,
      args: [request],
    });
  /** The phones AXL reset, in order, as the simulator logged them. */
  const resets = async (clusterId: string) =>
    (await control.events(clusterId, { kind: 'phone-reset' })).map((e) => ({ seq: e.seq, phone: e.detail.phone }));
  const gateOf = (handle: WorkflowHandle, kind: string) =>
    waitFor(
      `gate ${kind}`,
      async () => (await handle.query(stateQuery)).pendingGates.find((g: PendingGate) => g.kind === kind),
      120_000,
    );

  it('a normal run: the canaries (per node and model) are reset first and come back, then the rest of the fleet', async () => {
    const handle = await start({
      clusterId: 'ok14',
      units: ['CallManager'],
      approvals: [],
      registrationPollSeconds: 1,
      canaryPhones: { perNodeModel: 1 },
    });
    await handle.result();
    const state = await handle.query(stateQuery);
    const canaries = state.canaryPhones?.phones ?? [];
    assert.equal(state.canaryPhones?.status, 'back');
    // The simulator's fleet puts two of its four models on each CallManager node: four groups, one canary each.
    assert.equal(canaries.length, 4);
    assert.deepEqual(new Set(canaries.map((c) => c.node)), new Set(['pub', 'sub1']));
    assert.equal(new Set(canaries.map((c) => `${c.node}/${c.model}`)).size, 4);
    assert.equal(new Set(canaries.map((c) => c.model)).size, 4);
    const seen = await resets('ok14');
    assert.equal(seen.length, PHONES, 'every phone reset once');
    assert.equal(new Set(seen.map((r) => r.phone)).size, PHONES);
    assert.deepEqual(
      new Set(seen.slice(0, canaries.length).map((r) => r.phone)),
      new Set(canaries.map((c) => c.name)),
      'the canaries first',
    );
    // The fleet only after the canary wait completed (the run's steps say so, in order).
    const kinds = state.steps.map((s) => s.description);
    const canaryWait = kinds.findIndex((d) => /canary phones are registered again/.test(d));
    const fleetReset = kinds.findIndex((d) => /^Reset the other phones/.test(d));
    assert.ok(canaryWait >= 0 && fleetReset > canaryWait, kinds.join('\n'));
    assert.equal(state.steps[canaryWait]?.status, 'completed');
    assert.deepEqual((await control.phones('ok14')).counts, { Registered: PHONES, UnRegistered: 0, Rejected: 0 });
  });

  it('11.5, TVS regenerated by hand before a CallManager run: the canary gate stops the run with only the canaries reset; abort lists what is left', async () => {
    // The engineer's slip: TVS regenerated out of band, so CallManager and TVS change in one window.
    await runOn(lab.sim, 'itl115', 'pub', { command: 'set cert regen TVS', confirm: true });
    const handle = await start({
      clusterId: 'itl115',
      units: ['CallManager'],
      approvals: [],
      registrationPollSeconds: 1,
      canaryPhones: { perNodeModel: 1, deadlineMinutes: 0.25 },
    });
    const gate = await gateOf(handle, 'canary-phones-missing');
    const state = await handle.query(stateQuery);
    const canaries = state.canaryPhones?.phones ?? [];
    const missing = state.canaryPhones?.missing ?? [];
    assert.equal(canaries.length, 4);
    assert.ok(missing.length > 0 && missing.every((c) => c.node === 'pub'), JSON.stringify(missing));
    assert.match(gate.description, /did not register again/);
    assert.match(gate.description, /ITL\/CTL trust/);
    assert.match(gate.description, /CallManager and TVS changed together/);
    assert.match(gate.description, /utils itl reset localkey/);
    for (const c of missing) assert.ok(gate.description.includes(c.name));
    assert.deepEqual(gate.allowed, ['approve', 'retry', 'abort']);
    // Only the canaries were reset (AXL, as the simulator saw it), and the stranded ones are the pub's.
    const seen = await resets('itl115');
    assert.deepEqual(new Set(seen.map((r) => r.phone)), new Set(canaries.map((c) => c.name)));
    assert.equal(seen.length, canaries.length);
    const stranded = (await control.phones('itl115')).notRegistered;
    assert.ok(stranded.some((p) => /ITL file signature not trusted/.test(p.reason ?? '')));
    // The people who decide are told what the gate decides, which canaries are missing, and how to decide.
    const told = await waitFor('the canary gate notification', async () =>
      hook.requests
        .filter((r) => r.path === '/hook')
        .map((r) => JSON.parse(r.body) as { event: NotificationEvent; links: { decideCommands?: string[] } })
        .find((e) => e.event.gate?.kind === 'canary-phones-missing'),
    );
    assert.equal(told.event.kind, 'phones-missing');
    assert.match(told.event.title, /canary phones did not come back .*decide whether to reset the rest of the fleet/);
    assert.deepEqual(new Set(told.event.missingPhones?.names), new Set(missing.map((c) => c.name)));
    assert.equal(told.links.decideCommands?.length, 3, 'approve, retry, abort');

    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: gate.id, decision: 'abort', by: 'carol', comment: 'trust recovery first' }],
    });
    await assert.rejects(handle.result(), WorkflowFailedError);
    const end = await handle.query(stateQuery);
    assert.equal(end.phase, 'aborted');
    const actions = (end.manualActions ?? []).join('\n');
    assert.match(actions, /Only the 4 canary phones were reset/);
    assert.match(actions, /the rest of the fleet was not reset/);
    assert.match(actions, /utils itl reset localkey/);
    assert.equal((await resets('itl115')).length, canaries.length, 'no phone reset after the abort');
  });

  it('mixed mode, CallManager changed without a CTL update: the secure canaries are refused and the fleet is not reset', async () => {
    const handle = await start({
      clusterId: 'ctl14',
      units: ['TVS'],
      approvals: ['before-start'],
      registrationPollSeconds: 1,
      canaryPhones: { perNodeModel: 1, deadlineMinutes: 0.25 },
    });
    const before = await gateOf(handle, 'before-start');
    const chosen = (await handle.query(stateQuery)).canaryPhones?.phones ?? [];
    // Mixed mode: secure and non-secure phones are groups of their own. The secure ones come from AXL's listPhone,
    // whose securityProfileName carries its uuid attribute as on real AXL (a bare-text read found none of them).
    assert.ok(chosen.some((c) => c.secure) && chosen.some((c) => c.secure === false), JSON.stringify(chosen));
    // Beside the run, after its baseline: CallManager regenerated and restarted on the publisher, no CTL update.
    await runOn(
      lab.sim,
      'ctl14',
      'pub',
      { command: 'set cert regen CallManager', confirm: true },
      'utils service restart Cisco CallManager',
    );
    await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: before.id, decision: 'approve', by: 'carol' }] });
    const gate = await gateOf(handle, 'canary-phones-missing');
    const state = await handle.query(stateQuery);
    const missing = state.canaryPhones?.missing ?? [];
    assert.ok(missing.length > 0 && missing.every((c) => c.secure && c.node === 'pub'), JSON.stringify(missing));
    assert.match(gate.description, /CTL was not updated \(utils ctl update CTLFile\)/);
    assert.match(gate.description, /utils ctl reset localkey/);
    const seen = await resets('ctl14');
    assert.deepEqual(new Set(seen.map((r) => r.phone)), new Set(chosen.map((c) => c.name)), 'only the canaries');
    const refused = (await control.phones('ctl14')).notRegistered.filter((p) => missing.some((m) => m.name === p.name));
    assert.ok(
      refused.every((p) => /not in the phone's CTL/.test(p.reason ?? '')),
      JSON.stringify(refused),
    );

    await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'abort', by: 'carol' }] });
    await assert.rejects(handle.result(), WorkflowFailedError);
    const actions = ((await handle.query(stateQuery)).manualActions ?? []).join('\n');
    assert.match(actions, new RegExp(`Only the ${chosen.length} canary phones were reset`));
    assert.match(actions, /utils ctl reset localkey/);
    assert.equal((await resets('ctl14')).length, chosen.length);
  });
});
