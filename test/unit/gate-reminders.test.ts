/**
 * Gate reminders on workflow time (mocked activities, time-skipping server): a gate left open 5 hours gets its
 * reminder at the 4-hour mark, then decided, never its escalation; the timers are named after the gate.
 */
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { windowActivities } from '../../activities/window';
import type { ClusterDiscovery } from '../../domain/discovery';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import type { NotificationEventKind } from '../../domain/notification-events';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { waitFor } from '../support/net';
import { sharedTimeSkippingServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const HOUR = 3_600_000;

function discovery(): ClusterDiscovery {
  return {
    clusterId: 'lab',
    version: '14.0.1.13900-155',
    securityMode: 0,
    itlSigner: 'ITLRecovery',
    nodes: [
      {
        id: 'pub',
        role: 'publisher',
        product: 'callmanager',
        services: [{ name: 'Cisco Tomcat', state: 'STARTED' }],
        certificates: [
          {
            unit: 'tomcat',
            serial: 'OLD',
            subject: 'CN=pub',
            issuer: 'CN=pub',
            selfSigned: true,
            keyType: 'RSA',
            keySize: 2048,
            notAfter: '2030-01-01T00:00:00.000Z',
          },
        ],
      },
    ],
    unmanagedNodes: [],
    discoveredAt: '2026-11-29T00:00:00Z',
  };
}

describe('gate reminders (mocked activities, time-skipping server)', function () {
  this.timeout(60_000);

  it('reminds once at the delay, on workflow time, and never escalates a gate decided meanwhile', async () => {
    // Each lookup of channels, with the event's kind and when (server time, which the test server skips).
    const asked: Array<{ kind: NotificationEventKind; at: number }> = [];
    let serial = 'OLD';
    const activities: Partial<Activities> = {
      acquireClusterLease: async () => ({ granted: true }),
      notificationChannels: async (input) => {
        asked.push({ kind: input.kind, at: Context.current().info.currentAttemptScheduledTimestampMs });
        return [];
      },
      gateReminderDelays: async () => ({ remindAfterSeconds: 4 * 3600, escalateAfterSeconds: 4 * 3600 }),
      ...windowActivities(),
      discoverCluster: async () => discovery(),
      preflightChecks: async () => ({ checks: ['replication (2) Setup Completed'] }),
      verifyTrustFiles: async () => ({ ok: true, checked: [], problems: [] }),
      readCertificate: async () => ({ serial }),
      regenerateCertificate: async (input) => {
        serial = 'NEW';
        return { serialBefore: input.serialBefore, serialAfter: 'NEW', regeneratedNow: true };
      },
      restartService: async () => ({ restarted: true }),
      verifyCertificate: async (input) => ({
        ok: true,
        serial: input.expectedSerial,
        servedSerial: input.expectedSerial,
      }),
    };
    const env = await sharedTimeSkippingServer();
    const taskQueue = uniqueTaskQueue('reminders');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedWorkflowBundle(),
      activities,
    });
    const handle = await env.client.workflow.start(regenerateCertificate, {
      workflowId: `wf-reminders-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'lab', units: ['tomcat'] }],
    });
    await worker.runUntil(async () => {
      await waitFor('the before-start gate', async () => (await handle.query(stateQuery)).pendingGates[0]);
      await env.sleep('5 hours');
      await waitFor('the reminder', async () => asked.find((a) => a.kind === 'gate-reminder'));
      await handle.executeUpdate(decideGateUpdate, {
        args: [{ gateId: 'tomcat.before-start-1', decision: 'approve', by: 'alice' }],
      });
      await handle.result();
    });
    const kinds = asked.map((a) => a.kind);
    assert.deepEqual(kinds, ['gate-opened', 'gate-reminder', 'run-ended'], `events looked up: ${kinds.join(', ')}`);
    const opened = asked[0]!.at;
    const reminded = asked[1]!.at;
    // Server times of the two lookups: each is scheduled when its workflow task completes, a moment after the
    // workflow time of the gate's opening or the timer's firing, so allow a minute either side of the 4 hours.
    assert.ok(
      reminded - opened >= 4 * HOUR - 60_000 && reminded - opened < 4 * HOUR + 60_000,
      `the reminder came ${(reminded - opened) / HOUR} h after the gate opened, not at 4 h`,
    );
    const { events } = await handle.fetchHistory();
    const timers = (events ?? []).flatMap((e) => {
      const data = e.timerStartedEventAttributes ? e.userMetadata?.summary?.data : undefined;
      return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
    });
    assert.ok(timers.includes('Gate tomcat.before-start-1: reminder if still open'), timers.join(' | '));
    assert.ok(timers.includes('Gate tomcat.before-start-1: escalation if still open'), timers.join(' | '));
    assert.ok(
      (events ?? []).some((e) => e.timerCanceledEventAttributes),
      'the escalation timer was cancelled by the decision',
    );
  });
});
