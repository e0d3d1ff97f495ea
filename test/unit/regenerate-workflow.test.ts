/**
 * The regenerateCertificate workflow with mocked activities on the time-skipping test server: the order of steps,
 * the maintenance window (hours of waiting in milliseconds), and what a failure leaves in the state.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { stateQuery } from '../../workflows/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { sharedTimeSkippingServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

type Call = { name: string; at: number; args: unknown };

function mockActivities(calls: Call[], overrides: Partial<Activities> = {}): Partial<Activities> {
  const serials = new Map<string, string>();
  const record = (name: string, args: unknown) => calls.push({ name, at: Date.now(), args });
  const base: Partial<Activities> = {
    describeCluster: async (clusterId) => {
      record('describeCluster', clusterId);
      return {
        clusterId,
        name: clusterId,
        nodes: [
          { id: 'pub', role: 'publisher' },
          { id: 'sub1', role: 'subscriber' },
        ],
      };
    },
    readCertificate: async (input) => {
      record('readCertificate', input);
      return { serial: serials.get(input.nodeId) ?? `OLD-${input.nodeId}` };
    },
    regenerateCertificate: async (input) => {
      record('regenerateCertificate', input);
      serials.set(input.nodeId, `NEW-${input.nodeId}`);
      return { serialBefore: input.serialBefore, serialAfter: `NEW-${input.nodeId}`, regeneratedNow: true };
    },
    restartService: async (input) => {
      record('restartService', input);
      return input.nodeId === 'sub1'
        ? { restarted: false, reason: 'Cisco Tomcat is STOPPED on sub1: not restarted' }
        : { restarted: true };
    },
  };
  return { ...base, ...overrides };
}

describe('regenerateCertificate workflow (mocked activities, time-skipping server)', function () {
  this.timeout(30_000);

  it('regenerates on the publisher, then the subscribers, then restarts Tomcat publisher first', async () => {
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue('order');
    const calls: Call[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedWorkflowBundle(),
      activities: mockActivities(calls),
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(regenerateCertificate, {
        workflowId: `wf-order-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      }),
    );
    const sequence = calls
      .filter((c) => c.name !== 'readCertificate')
      .map((c) => `${c.name}:${(c.args as { nodeId?: string }).nodeId ?? ''}`);
    assert.deepEqual(sequence, [
      'describeCluster:',
      'regenerateCertificate:pub',
      'regenerateCertificate:sub1',
      'restartService:pub',
      'restartService:sub1',
    ]);
    assert.deepEqual(
      result.nodes.map((n) => [n.nodeId, n.serialBefore, n.serialAfter]),
      [
        ['pub', 'OLD-pub', 'NEW-pub'],
        ['sub1', 'OLD-sub1', 'NEW-sub1'],
      ],
    );
    assert.deepEqual(result.restarts, [
      { nodeId: 'pub', service: 'Cisco Tomcat', restarted: true },
      {
        nodeId: 'sub1',
        service: 'Cisco Tomcat',
        restarted: false,
        reason: 'Cisco Tomcat is STOPPED on sub1: not restarted',
      },
    ]);
  });

  it('changes nothing before the maintenance window opens, then runs (6 hours skipped)', async () => {
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue('window');
    const calls: Call[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedWorkflowBundle(),
      activities: mockActivities(calls),
    });
    await worker.runUntil(async () => {
      // The test server's clock runs ahead of the wall clock once time has been skipped.
      const startedAt = await env.currentTimeMs();
      const notBefore = new Date(startedAt + 6 * 3600_000).toISOString();
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-window-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'], notBefore }],
      });
      const waiting = await handle.query(stateQuery);
      assert.equal(waiting.phase, 'waiting-window');
      assert.equal(calls.length, 0, 'no activity may run before the window');
      const result = await handle.result();
      assert.equal(result.nodes.length, 2);
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'completed');
      assert.equal(state.steps[0]?.kind, 'wait-window');
      assert.ok(
        Date.parse(state.steps[1]?.startedAt ?? '') >= Date.parse(notBefore),
        'the first change happens inside the window',
      );
    });
  });

  it('fails the run with the step that failed and its reason', async () => {
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue('fail');
    const calls: Call[] = [];
    const { ApplicationFailure } = await import('@temporalio/common');
    const activities = mockActivities(calls, {
      regenerateCertificate: async (input) => {
        if (input.nodeId === 'sub1')
          throw ApplicationFailure.nonRetryable('sub1: SSH host key mismatch', 'CliError.host-key-mismatch');
        return { serialBefore: input.serialBefore, serialAfter: 'NEW', regeneratedNow: true };
      },
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedWorkflowBundle(),
      activities,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(regenerateCertificate, {
        workflowId: `wf-fail-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'lab', units: ['tomcat'] }],
      });
      await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError);
      const state = await handle.query(stateQuery);
      assert.equal(state.phase, 'failed');
      const failed = state.steps.find((s) => s.status === 'failed');
      assert.equal(failed?.nodeId, 'sub1');
      assert.match(failed?.detail ?? '', /host key mismatch/);
      assert.ok(!calls.some((c) => c.name === 'restartService'), 'no restart after a failed regeneration');
    });
  });

  it('refuses a request for more than one unit or an unsupported unit', async () => {
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue('refuse');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedWorkflowBundle(),
      activities: mockActivities([]),
    });
    await worker.runUntil(
      assert.rejects(
        env.client.workflow.execute(regenerateCertificate, {
          workflowId: `wf-refuse-${Date.now()}`,
          taskQueue,
          args: [{ clusterId: 'lab', units: ['CallManager', 'TVS'] }],
        }),
        (err: unknown) =>
          err instanceof WorkflowFailedError && /exactly one supported unit/.test(err.cause?.message ?? ''),
      ),
    );
  });
});
