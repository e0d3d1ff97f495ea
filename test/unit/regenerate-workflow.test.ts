/**
 * The regenerateCertificate workflow with mocked activities on the time-skipping server: the order the plan
 * gives, gates decided by update (validated) and by signal, the maintenance window (hours skipped in
 * milliseconds), refusals and failures that leave nothing half done.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { windowActivities } from '../../activities/window';
import {
  abortSignal,
  approveSignal,
  decideGateSignal,
  decideGateUpdate,
  stateQuery,
  submitSignedChainUpdate,
} from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { sharedTimeSkippingServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { waitFor } from '../support/net';
import type { ClusterDiscovery } from '../../domain/discovery';

type Call = { name: string; args: unknown };

function discovery(version = '14.0.1.13900-155'): ClusterDiscovery {
  const node = (id: string, role: 'publisher' | 'subscriber', tomcat: 'STARTED' | 'STOPPED') => ({
    id,
    role,
    product: 'callmanager',
    services: [
      { name: 'Cisco Tomcat', state: tomcat, reason: tomcat === 'STOPPED' ? 'Service Not Activated' : undefined },
      { name: 'Cisco CallManager', state: 'STARTED' },
      { name: 'Cisco Tftp', state: 'STARTED' },
      { name: 'Cisco Trust Verification Service', state: 'STARTED' },
    ],
    certificates: (['tomcat', 'ipsec', 'CallManager', 'TVS', 'ITLRecovery'] as const).map((unit) => ({
      unit,
      serial: `OLD-${unit}-${id}`,
      subject: `CN=${id}`,
      issuer: `CN=${id}`,
      selfSigned: true,
      keyType: 'RSA',
      keySize: 2048,
      notAfter: '2030-01-01T00:00:00.000Z',
    })),
  });
  return {
    clusterId: 'lab',
    version,
    securityMode: 0,
    itlSigner: 'ITLRecovery',
    nodes: [node('pub', 'publisher', 'STARTED'), node('sub1', 'subscriber', 'STOPPED')],
    unmanagedNodes: [],
    discoveredAt: '2026-11-29T00:00:00Z',
  };
}

function mockActivities(calls: Call[], overrides: Partial<Activities> = {}): Partial<Activities> {
  const serials = new Map<string, string>();
  const record = (name: string, args: unknown) => calls.push({ name, args });
  const base: Partial<Activities> = {
    // The cluster entity is not under test here: every run gets the lease.
    acquireClusterLease: async () => ({ granted: true }),
    // No notification channel in these runs.
    notificationChannels: async () => [],
    gateReminderDelays: async () => ({ remindAfterSeconds: 14_400, escalateAfterSeconds: 14_400 }),
    // The window's arithmetic is the product's own (a local activity): nothing to mock.
    ...windowActivities(),
    discoverCluster: async (clusterId) => {
      record('discoverCluster', clusterId);
      return discovery();
    },
    preflightChecks: async () => ({ checks: ['replication (2) Setup Completed'] }),
    // CA-signed units here are signed by hand (the signed-certificate gate), not by an ACME issuer.
    certificateIssuer: async () => ({ kind: 'manual' }),
    verifyTrustFiles: async () => ({ ok: true, checked: ['ITL lists the new unit'], problems: [] }),
    readCertificate: async (input) => ({ serial: serials.get(input.nodeId) ?? `OLD-${input.unit}-${input.nodeId}` }),
    regenerateCertificate: async (input) => {
      record('regenerateCertificate', input);
      serials.set(input.nodeId, `NEW-${input.nodeId}`);
      return { serialBefore: input.serialBefore, serialAfter: `NEW-${input.nodeId}`, regeneratedNow: true };
    },
    restartService: async (input) => {
      record('restartService', input);
      return { restarted: true };
    },
    verifyCertificate: async (input) => {
      record('verifyCertificate', input);
      return { ok: true, serial: input.expectedSerial, servedSerial: input.expectedSerial };
    },
  };
  return { ...base, ...overrides };
}

/** The summaries the Temporal UI shows on a run's events (activities, timers), in history order. */
async function summariesOf(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const data = e.userMetadata?.summary?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
  });
}

const seq = (calls: Call[]) => calls.map((c) => `${c.name}:${(c.args as { nodeId?: string }).nodeId ?? ''}`);

describe('regenerateCertificate workflow (mocked activities, time-skipping server)', function () {
  this.timeout(30_000);

  async function worker(name: string, activities: Partial<Activities>) {
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue(name);
    return {
      env,
      taskQueue,
      worker: await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await sharedWorkflowBundle(),
        activities,
      }),
    };
  }

  it('follows the plan: discovery, regenerate publisher then subscriber, restart Tomcat where Started, verify', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('order', mockActivities(calls));
    const result = await w.runUntil(
      env.client.workflow.execute(regenerateCertificate, {
        workflowId: `wf-order-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
      }),
    );
    assert.deepEqual(seq(calls), [
      'discoverCluster:',
      'regenerateCertificate:pub',
      'regenerateCertificate:sub1',
      'restartService:pub',
      'verifyCertificate:pub',
      'verifyCertificate:sub1',
    ]);
    assert.deepEqual(
      result.restarts,
      [{ nodeId: 'pub', service: 'Cisco Tomcat', restarted: true }],
      'no restart where Tomcat is not Started',
    );
    assert.deepEqual(
      result.nodes.map((n) => [n.nodeId, n.serialAfter]),
      [
        ['pub', 'NEW-pub'],
        ['sub1', 'NEW-sub1'],
      ],
    );
  });

  it('stops at the before-start gate: a wrong gate id is rejected by the validator, approve lets it run', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('gate', mockActivities(calls));
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-gate-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      const waiting = await waitFor('the gate', async () => {
        const s = await handle.query(stateQuery);
        return s.pendingGates.length ? s : undefined;
      });
      assert.equal(waiting.phase, 'awaiting-approval');
      const [gate] = waiting.pendingGates;
      assert.equal(gate?.kind, 'before-start');
      assert.ok(!calls.some((c) => c.name === 'regenerateCertificate'), 'nothing changes before the gate');
      // The Temporal UI shows the run's "current details" (Markdown) and lists the gate handlers with descriptions.
      const metadata = await handle.query<{
        currentDetails: string;
        definition: { updateDefinitions: Array<{ name: string; description?: string }> };
      }>('__temporal_workflow_metadata');
      assert.match(metadata.currentDetails, /Waiting for a decision.*before-start-1/);
      assert.ok(
        metadata.definition.updateDefinitions.some(
          (u) => u.name === 'decideGate' && u.description?.includes('pending gate'),
        ),
      );
      await assert.rejects(
        handle.executeUpdate(decideGateUpdate, { args: [{ gateId: 'nope', decision: 'approve', by: 'alice' }] }),
        (err: unknown) => err instanceof WorkflowUpdateFailedError,
      );
      await assert.rejects(
        handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate?.id ?? '', decision: 'retry', by: 'alice' }] }),
        WorkflowUpdateFailedError,
      );
      const accepted = await handle.executeUpdate(decideGateUpdate, {
        args: [{ gateId: gate?.id ?? '', decision: 'approve', by: 'alice', comment: 'change 4711' }],
      });
      assert.equal(accepted.id, gate?.id);
      await handle.result();
      const done = await handle.query(stateQuery);
      assert.deepEqual(
        done.decisions.map((d) => [d.kind, d.decision, d.by]),
        [['before-start', 'approve', 'alice']],
      );
    });
  });

  it('a reject at the gate (here by signal, as from the Web UI) ends the run with nothing changed', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('reject', mockActivities(calls));
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-reject-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      const gateId = await waitFor('the gate', async () => (await handle.query(stateQuery)).pendingGates[0]?.id);
      await handle.signal(decideGateSignal, { gateId, decision: 'reject', by: 'bob', comment: 'not tonight' });
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          /Rejected at gate .* by bob: not tonight/.test(err.cause?.message ?? ''),
      );
      assert.deepEqual(seq(calls), ['discoverCluster:']);
    });
  });

  it('the plain approve signal (Temporal UI) decides the only pending gate, recording the approver and comment', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('approve-signal', mockActivities(calls));
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-approve-signal-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      await waitFor('the gate', async () => (await handle.query(stateQuery)).pendingGates[0]?.id);
      await handle.signal(approveSignal, { approver: 'dave', comment: 'CAB 77' });
      await handle.result();
      const { decisions } = await handle.query(stateQuery);
      assert.deepEqual(
        decisions.map((d) => [d.kind, d.decision, d.by, d.comment]),
        [['before-start', 'approve', 'dave', 'CAB 77']],
      );
    });
  });

  it('changes nothing before the maintenance window opens, then runs (6 hours skipped)', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('window', mockActivities(calls));
    await w.runUntil(async () => {
      const notBefore = new Date((await env.currentTimeMs()) + 6 * 3600_000).toISOString();
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-window-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], notBefore, approvals: [] }],
      });
      // After the cluster's lease (an activity here, mocked), the run sleeps until the window opens.
      await waitFor('the run to wait for its window', async () =>
        (await handle.query(stateQuery)).phase === 'waiting-window' ? true : undefined,
      );
      assert.equal(calls.length, 0, 'no activity may run before the window');
      await handle.result();
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'completed');
      assert.equal(state.steps[0]?.kind, 'wait-window');
      assert.ok(
        Date.parse(state.steps[1]?.startedAt ?? '') >= Date.parse(notBefore),
        'the first step happens inside the window',
      );
    });
  });

  it('keeps every change inside a recurring maintenance window with its time zone (the run sleeps until it opens)', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('recurring', mockActivities(calls));
    await w.runUntil(async () => {
      const now = await env.currentTimeMs();
      // A one-hour window opening three hours from now, written in New York local time.
      const opens = new Date(now + 3 * 3600_000);
      const hhmm = (d: Date) =>
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'America/New_York',
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(d);
      const maintenanceWindow = {
        start: hhmm(opens),
        end: hhmm(new Date(opens.getTime() + 3600_000)),
        timeZone: 'America/New_York',
      };
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-recurring-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [], maintenanceWindow }],
      });
      // After the cluster's lease (an activity here, mocked), the run sleeps until the window opens.
      await waitFor('the run to wait for its window', async () =>
        (await handle.query(stateQuery)).phase === 'waiting-window' ? true : undefined,
      );
      assert.equal(calls.length, 0, 'nothing before the window, not even discovery');
      await handle.result();
      const state = await handle.query(stateQuery);
      const firstChange = state.steps.find((st) => st.kind === 'regenerate');
      assert.ok(Date.parse(firstChange?.startedAt ?? '') >= opens.getTime() - 60_000, 'changes start in the window');
      assert.match(state.steps[0]?.description ?? '', /America\/New_York/);
      // The opening came from a local activity (its answer is a marker in the history), and the UI names the timer.
      const { events } = await handle.fetchHistory();
      assert.ok(
        (events ?? []).some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
        'a local-activity marker holds the window opening',
      );
      const summaries = await summariesOf(handle);
      assert.ok(
        summaries.some((x) => /^Maintenance window opens before: pre-flight/.test(x)),
        summaries.join(' | '),
      );
      assert.ok(summaries.includes('Regenerate tomcat on pub'), summaries.join(' | '));
      assert.ok(summaries.includes('Restart Cisco Tomcat on pub'), summaries.join(' | '));
    });
  });

  it('a signal for a gate that is not pending is recorded as ignored (state, current details), the gate stays pending; a plain abort ends it', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('ignored', mockActivities(calls));
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-ignored-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      const gate = await waitFor('the gate', async () => (await handle.query(stateQuery)).pendingGates[0]);
      assert.equal(gate.id, 'tomcat.before-start-1');
      assert.ok(gate.expiresAt && Date.parse(gate.expiresAt) > Date.now(), 'the gate says when it expires');
      await handle.signal(approveSignal, { gateId: 'CallManager.before-start-1', approver: 'mallory' });
      await handle.signal(decideGateSignal, { gateId: gate.id, decision: 'retry', by: 'mallory' });
      const state = await waitFor('the ignored decisions', async () => {
        const st = await handle.query(stateQuery);
        return (st.ignoredDecisions ?? []).length === 2 ? st : undefined;
      });
      assert.deepEqual(
        state.ignoredDecisions?.map((i) => [i.via, i.gateId, i.reason]),
        [
          [
            'approve',
            'CallManager.before-start-1',
            'Gate "CallManager.before-start-1" is not pending (pending: tomcat.before-start-1).',
          ],
          [
            'decideGate-signal',
            'tomcat.before-start-1',
            'Gate "tomcat.before-start-1" accepts approve, reject, abort, not "retry".',
          ],
        ],
      );
      assert.deepEqual(
        state.pendingGates.map((g) => g.id),
        ['tomcat.before-start-1'],
      );
      const metadata = await handle.query<{
        currentDetails: string;
        definition: { signalDefinitions: Array<{ name: string; description?: string }> };
      }>('__temporal_workflow_metadata');
      assert.match(
        metadata.currentDetails,
        /ignored: approve by mallory \(approve\): Gate "CallManager\.before-start-1" is not pending/,
      );
      assert.match(metadata.currentDetails, /tomcat\.before-start-1.*expires 20/);
      const abortHelp = metadata.definition.signalDefinitions.find((d) => d.name === 'abort')?.description ?? '';
      assert.match(abortHelp, /Every gate takes it/);
      const decideHelp = metadata.definition.signalDefinitions.find((d) => d.name === 'decideGate-signal')?.description;
      assert.match(decideHelp ?? '', /before-start: approve \| reject \| abort/);
      await handle.signal(abortSignal, { approver: 'alice', comment: 'change freeze' });
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          /Aborted at gate tomcat\.before-start-1 by alice/.test(err.cause?.message ?? ''),
      );
      assert.deepEqual(seq(calls), ['discoverCluster:'], 'nothing changed');
      assert.ok((await summariesOf(handle)).includes('Gate tomcat.before-start-1 expires'));
    });
  });

  /**
   * A CA-signed tomcat run's worker whose chain check waits until `release` is called (and then accepts, with the
   * serial `serialOf` reads from the chain), so a test can act while a check is in flight.
   */
  async function heldChainCheck(name: string, calls: Call[], serialOf: (chainPem: string) => string) {
    let release: () => void = () => undefined;
    const checking = new Promise<void>((r) => (release = r));
    const caSigned = discovery();
    for (const node of caSigned.nodes)
      for (const c of node.certificates)
        if (c.unit === 'tomcat') Object.assign(c, { selfSigned: false, issuer: 'CN=Corp CA' });
    const started = await worker(
      name,
      mockActivities(calls, {
        discoverCluster: async () => caSigned,
        generateCsr: async (input) => ({ csrPem: `CSR-${input.nodeId}` }),
        validateSignedChain: async (input) => {
          calls.push({ name: 'validateSignedChain', args: input });
          await checking;
          const serial = serialOf(input.chainPem);
          return { ok: true, leafPem: 'LEAF', caPems: ['ROOT'], serial, issuer: 'CN=Corp CA', notAfter: '2031-01-01' };
        },
      }),
    );
    return { ...started, release: () => release() };
  }

  it('a chain still being checked when the run is aborted is answered before the run ends (handlers finish first)', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w, release } = await heldChainCheck('handlers-finish', calls, () => 'CA-1');
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-handlers-finish-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
      });
      const gate = await waitFor('the signed-certificate gate', async () =>
        (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      );
      assert.equal(gate.id, 'tomcat.signed-certificate-1');
      const submitted = handle.executeUpdate(submitSignedChainUpdate, {
        args: [{ nodeId: 'pub', chainPem: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n', by: 'pki' }],
      });
      await waitFor('the chain check to start', async () =>
        calls.some((c) => c.name === 'validateSignedChain') ? true : undefined,
      );
      await handle.signal(abortSignal, { approver: 'alice', comment: 'CA outage' });
      // Release the check only once the run has taken the abort (recorded as alice's decision), not after a pause.
      await waitFor('the abort taken while the chain is checked', async () =>
        (await handle.query(stateQuery)).decisions.some((d) => d.by === 'alice') ? true : undefined,
      );
      release();
      // The update is answered (not dropped by the run ending under it), then the run ends aborted.
      const answer = await submitted;
      assert.equal(answer.serial, 'CA-1');
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          /Aborted at gate tomcat\.signed-certificate-1/.test(err.cause?.message ?? ''),
      );
      const state = await handle.query(stateQuery);
      assert.ok(
        state.decisions.some((d) => d.kind === 'signed-certificate' && d.by === 'pki'),
        'the chain is recorded',
      );
      assert.ok(!calls.some((c) => c.name === 'uploadCertificateChain'), 'nothing uploaded after the abort');
    });
  });

  it('two concurrent chains for one node: exactly one is checked and accepted, the other refused with the reason', async () => {
    const calls: Call[] = [];
    const {
      env,
      taskQueue,
      worker: w,
      release,
    } = await heldChainCheck('chain-race', calls, (chainPem) => /SERIAL-(\w+)/.exec(chainPem)?.[1] ?? '?');
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-chain-race-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
      });
      await waitFor('the signed-certificate gate', async () =>
        (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      );
      const chain = (serial: string) => `-----BEGIN CERTIFICATE-----\nSERIAL-${serial}\n-----END CERTIFICATE-----\n`;
      const submit = (serial: string, by: string) =>
        handle.executeUpdate(submitSignedChainUpdate, { args: [{ nodeId: 'pub', chainPem: chain(serial), by }] });
      // Both sent at once: they may reach the run in one workflow task, or the second while the first is checked.
      const first = submit('A', 'alice');
      const second = submit('B', 'bob');
      const refused = await Promise.race([
        first.then(
          () => 'first answered before either was refused',
          (err: unknown) => err,
        ),
        second.then(
          () => 'second answered before either was refused',
          (err: unknown) => err,
        ),
        new Promise((r) => setTimeout(() => r('neither refused while a check was running (5 s)'), 5000)),
      ]);
      release();
      const answers = await Promise.allSettled([first, second]);
      const accepted = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
      const rejected = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason as unknown] : []));
      assert.equal(accepted.length, 1, `exactly one accepted: ${JSON.stringify(answers)}`);
      assert.equal(rejected.length, 1, 'exactly one refused');
      assert.equal(refused, rejected[0], 'the refusal came while the other chain was still being checked');
      assert.ok(
        rejected[0] instanceof WorkflowUpdateFailedError &&
          /A chain for pub is being checked; wait for its answer/.test(rejected[0].cause?.message ?? ''),
        `the refusal says why and what to do: ${String((rejected[0] as Error).cause ?? rejected[0])}`,
      );
      assert.equal(
        calls.filter((c) => c.name === 'validateSignedChain').length,
        1,
        'only the accepted submission was checked',
      );
      const state = await handle.query(stateQuery);
      const recorded = state.decisions.filter((d) => d.kind === 'signed-certificate');
      assert.equal(recorded.length, 1, 'one decision recorded for pub');
      assert.match(recorded[0]?.comment ?? '', new RegExp(`serial ${accepted[0]?.serial}`));
      // Once the check is over, the node's chain is taken: a third submission is refused as already accepted.
      await assert.rejects(
        submit('C', 'carol'),
        (err: unknown) => err instanceof WorkflowUpdateFailedError && /already accepted/.test(err.cause?.message ?? ''),
      );
      // The refused submissions left nothing in history: one update accepted, one chain check.
      const { events } = await handle.fetchHistory();
      const updates = (events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.equal(updates.length, 1, 'one update recorded');
      await handle.terminate('test done');
    });
  });

  it('an abort while no gate is pending stops the run before its next step', async () => {
    const calls: Call[] = [];
    let release: () => void = () => undefined;
    const holding = new Promise<void>((r) => (release = r));
    const base = mockActivities(calls);
    const {
      env,
      taskQueue,
      worker: w,
    } = await worker(
      'abort-between',
      mockActivities(calls, {
        regenerateCertificate: async (input) => {
          if (input.nodeId === 'pub') await holding;
          return base.regenerateCertificate!(input);
        },
      }),
    );
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-abort-between-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
      });
      await waitFor(
        'the regeneration on pub',
        async () =>
          (await handle.query(stateQuery)).steps.some((st) => st.kind === 'regenerate' && st.status === 'running') ||
          undefined,
      );
      await handle.signal(abortSignal, { approver: 'alice' });
      release();
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === 'AbortedByEngineer' &&
          /Aborted by alice before/.test(err.cause.message),
      );
      assert.deepEqual(
        seq(calls),
        ['discoverCluster:', 'regenerateCertificate:pub'],
        'the running step finished, no other started',
      );
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'aborted');
      assert.ok(
        state.manualActions?.some((a) => /sub1 still has its old tomcat/.test(a)),
        String(state.manualActions),
      );
    });
  });

  it('refuses a run started outside the API with an invalid window, before anything happens', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('badwindow', mockActivities(calls));
    await w.runUntil(
      assert.rejects(
        env.client.workflow.execute(regenerateCertificate, {
          workflowId: `wf-badwindow-${Date.now()}`,
          taskQueue,
          args: [
            {
              clusterId: 'lab',
              units: ['tomcat'],
              maintenanceWindow: { start: '22:00', end: '05:00', timeZone: 'Mars/Olympus' },
            },
          ],
        }),
        (err: unknown) => err instanceof WorkflowFailedError && /timeZone/.test(err.cause?.message ?? ''),
      ),
    );
    assert.equal(calls.length, 0);
  });

  /** Starts tomcat on the mocked cluster and waits for the step-failed gate that `failing` causes. */
  async function atStepFailedGate(name: string, calls: Call[], overrides: Partial<Activities>) {
    const { env, taskQueue, worker: w } = await worker(name, mockActivities(calls, overrides));
    const start = async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-${name}-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
      });
      const gate = await waitFor('the step-failed gate', async () => {
        const s = await handle.query(stateQuery);
        return s.pendingGates.find((g) => g.kind === 'step-failed');
      });
      return { handle, gate };
    };
    return { w, start };
  }

  const hostKeyMismatchOnSub1 = (fixed: { now: boolean }): Partial<Activities> => ({
    regenerateCertificate: async (input) => {
      if (input.nodeId === 'sub1' && !fixed.now)
        throw ApplicationFailure.nonRetryable('sub1: SSH host key mismatch', 'CliError.host-key-mismatch');
      return { serialBefore: input.serialBefore, serialAfter: `NEW-${input.nodeId}`, regeneratedNow: true };
    },
  });

  it('a step that fails for good opens a step-failed gate with the error; skip is refused for a regeneration; abort lists what is left by hand', async () => {
    const calls: Call[] = [];
    const { w, start } = await atStepFailedGate('abort', calls, hostKeyMismatchOnSub1({ now: false }));
    await w.runUntil(async () => {
      const { handle, gate } = await start();
      assert.match(gate.description, /Regenerate tomcat on sub1.*CliError\.host-key-mismatch.*host key mismatch/);
      assert.deepEqual(gate.allowed, ['retry', 'abort']);
      await assert.rejects(
        handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'skip', by: 'alice' }] }),
        (err: unknown) =>
          err instanceof WorkflowUpdateFailedError &&
          /Skipping is refused.*different certificates/.test(err.cause?.message ?? ''),
      );
      await handle.executeUpdate(decideGateUpdate, {
        args: [{ gateId: gate.id, decision: 'abort', by: 'alice', comment: 'fix the host key tomorrow' }],
      });
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === 'AbortedAtGate' &&
          /Still to do by hand: The run stopped at this step .*sub1 still has its old tomcat certificate/.test(
            err.cause.message,
          ),
      );
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'aborted');
      assert.deepEqual(state.manualActions, [
        'The run stopped at this step (failed or interrupted); check whether it happened: sub1 still has its old tomcat certificate: regenerate it there (set cert regen tomcat), then carry on with the steps below.',
        'On pub: utils service restart Cisco Tomcat (it serves the old tomcat certificate until it restarts).',
        'Check tomcat on pub, sub1: show cert own tomcat should show the new serial (the run did not verify it).',
      ]);
      assert.deepEqual(
        state.certificates.map((c) => [c.nodeId, c.serialAfter]),
        [['pub', 'NEW-pub']],
      );
      assert.ok(!calls.some((c) => c.name === 'restartService'), 'no restart after the abort');
    });
  });

  it('retry at a step-failed gate runs the step again and the run completes', async () => {
    const calls: Call[] = [];
    const fixed = { now: false };
    const { w, start } = await atStepFailedGate('retry', calls, hostKeyMismatchOnSub1(fixed));
    await w.runUntil(async () => {
      const { handle, gate } = await start();
      fixed.now = true; // the engineer corrected the host key in the inventory
      await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'retry', by: 'alice' }] });
      const result = await handle.result();
      assert.deepEqual(
        result.nodes.map((n) => n.nodeId),
        ['pub', 'sub1'],
      );
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'completed');
      assert.equal(state.manualActions, undefined);
      assert.deepEqual(
        state.decisions.map((d) => [d.kind, d.decision]),
        [['step-failed', 'retry']],
      );
    });
  });

  it('a retry from the step-failed gate compares with the serial before the first attempt, so it never regenerates twice', async () => {
    const calls: Call[] = [];
    const regenerated = new Set<string>();
    const { w, start } = await atStepFailedGate('retry-serial', calls, {
      readCertificate: async (input) => ({
        serial: regenerated.has(input.nodeId) ? `NEW-${input.nodeId}` : `OLD-${input.unit}-${input.nodeId}`,
      }),
      regenerateCertificate: async (input) => {
        calls.push({ name: 'regenerateCertificate', args: input });
        const already = regenerated.has(input.nodeId);
        regenerated.add(input.nodeId);
        // sub1's first attempt changes the node, then loses its SSH session before it can report.
        if (input.nodeId === 'sub1' && calls.filter((c) => c.name === 'regenerateCertificate').length === 2)
          throw ApplicationFailure.nonRetryable('sub1: SSH session closed', 'CliError.closed');
        return { serialBefore: input.serialBefore, serialAfter: `NEW-${input.nodeId}`, regeneratedNow: !already };
      },
    });
    await w.runUntil(async () => {
      const { handle, gate } = await start();
      await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'retry', by: 'alice' }] });
      const result = await handle.result();
      const sub1 = calls.filter(
        (c) => c.name === 'regenerateCertificate' && (c.args as { nodeId: string }).nodeId === 'sub1',
      );
      assert.deepEqual(
        sub1.map((c) => (c.args as { serialBefore: string }).serialBefore),
        ['OLD-tomcat-sub1', 'OLD-tomcat-sub1'],
        'the retry carries the serial read before the first attempt',
      );
      assert.equal(result.nodes.find((n) => n.nodeId === 'sub1')?.regeneratedNow, false);
    });
  });

  it('skip at a step-failed restart is recorded, the run goes on and its end lists the skipped step as manual', async () => {
    const calls: Call[] = [];
    const { w, start } = await atStepFailedGate('skip', calls, {
      restartService: async () => {
        throw ApplicationFailure.nonRetryable('Cisco Tomcat did not start in 600 s', 'CliError.timeout');
      },
    });
    await w.runUntil(async () => {
      const { handle, gate } = await start();
      assert.deepEqual(gate.allowed, ['retry', 'skip', 'abort']);
      await handle.executeUpdate(decideGateUpdate, {
        args: [{ gateId: gate.id, decision: 'skip', by: 'carol', comment: 'restarted from the console' }],
      });
      await handle.result();
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'completed');
      assert.ok(
        state.steps.some(
          (s) => s.status === 'skipped' && /skipped by carol: restarted from the console/.test(s.detail ?? ''),
        ),
      );
      assert.deepEqual(state.manualActions, [
        'Skipped at a step-failed gate, do it by hand: On pub: utils service restart Cisco Tomcat (it serves the old tomcat certificate until it restarts).',
      ]);
      assert.ok(
        calls.some((c) => c.name === 'verifyCertificate'),
        'verification still runs after the skip',
      );
    });
  });

  it('cancelling a run at a gate reports it cancelled, with nothing to do by hand when nothing changed', async () => {
    const calls: Call[] = [];
    const { env, taskQueue, worker: w } = await worker('cancel', mockActivities(calls));
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-cancel-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      await waitFor('the gate', async () => (await handle.query(stateQuery)).pendingGates[0]?.id);
      await handle.cancel();
      await assert.rejects(handle.result(), WorkflowFailedError);
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'cancelled');
      assert.deepEqual(state.manualActions, [
        'Nothing was changed on the cluster for tomcat: no manual action is needed.',
      ]);
      assert.ok(state.plan && state.plan.units[0]?.steps.length, 'the plan is in the state');
    });
  });

  it('refuses a plan the rules forbid before anything changes (tomcat-ECDSA on 10.5)', async () => {
    const calls: Call[] = [];
    const {
      env,
      taskQueue,
      worker: w,
    } = await worker('refuse', mockActivities(calls, { discoverCluster: async () => discovery('10.5.2.15900-8') }));
    await w.runUntil(
      assert.rejects(
        env.client.workflow.execute(regenerateCertificate, {
          workflowId: `wf-refuse-${Date.now()}`,
          taskQueue,
          args: [{ clusterId: 'lab', units: ['tomcat-ECDSA'], approvals: [] }],
        }),
        (err: unknown) =>
          err instanceof WorkflowFailedError && /refused, nothing was changed/.test(err.cause?.message ?? ''),
      ),
    );
    assert.ok(!calls.some((c) => c.name === 'regenerateCertificate'));
  });
});
