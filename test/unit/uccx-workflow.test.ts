/**
 * The before-uccx-trust gate with mocked activities on the time-skipping server: nothing reaches UCCX before it;
 * skip leaves the UCCX upload as a manual action of a completed run; abort there ends the run with the upload (and
 * only what is left) in its manual actions.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { windowActivities } from '../../activities/window';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { waitFor } from '../support/net';
import { sharedTimeSkippingServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import type { ClusterDiscovery } from '../../domain/discovery';

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
            serial: 'OLD-pub',
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
    uccxNodes: ['uccx-pub'],
    discoveredAt: '2026-11-29T00:00:00Z',
  };
}

function mockActivities(uccxCalls: string[]): Partial<Activities> {
  let serial = 'OLD-pub';
  return {
    acquireClusterLease: async () => ({ granted: true }),
    notificationChannels: async () => [],
    gateReminderDelays: async () => ({ remindAfterSeconds: 14_400, escalateAfterSeconds: 14_400 }),
    ...windowActivities(),
    discoverCluster: async () => discovery(),
    preflightChecks: async () => ({ checks: ['ok'] }),
    readCertificate: async () => ({ serial }),
    regenerateCertificate: async (input) => {
      serial = 'NEW-pub';
      return { serialBefore: input.serialBefore, serialAfter: serial, regeneratedNow: true };
    },
    restartService: async () => ({ restarted: true }),
    verifyCertificate: async (input) => ({
      ok: true,
      serial: input.expectedSerial,
      servedSerial: input.expectedSerial,
    }),
    uploadUccxTomcatTrust: async () => {
      uccxCalls.push('upload');
      return { imported: [], present: [] };
    },
    restartUccxServices: async () => {
      uccxCalls.push('restart');
      return { restarted: [], notRestarted: [] };
    },
    verifyUccxTomcatTrust: async () => {
      uccxCalls.push('verify');
      return { ok: true, found: [], missing: [] };
    },
  };
}

describe('regenerateCertificate: the before-uccx-trust gate (mocked activities)', function () {
  this.timeout(30_000);

  for (const decision of ['skip', 'abort'] as const) {
    it(`${decision} at the gate: nothing sent to UCCX, and the manual actions say what to do there`, async () => {
      const env = await sharedTimeSkippingServer();
      const taskQueue = uniqueTaskQueue(`uccx-${decision}`);
      const uccxCalls: string[] = [];
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await sharedWorkflowBundle(),
        activities: mockActivities(uccxCalls),
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start(regenerateCertificate, {
          workflowId: `wf-uccx-${decision}-${Date.now()}`,
          taskQueue,
          args: [{ clusterId: 'lab', units: ['tomcat'], approvals: [] }],
        });
        const gate = await waitFor('the gate', async () =>
          (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'before-uccx-trust'),
        );
        assert.deepEqual(uccxCalls, [], 'nothing reaches UCCX before the gate');
        await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision, by: 'carol' }] });
        if (decision === 'skip') await handle.result();
        else await assert.rejects(handle.result(), WorkflowFailedError);
        const state = await handle.query(stateQuery);
        assert.deepEqual(uccxCalls, []);
        const uccx = state.manualActions?.filter((a) => a.includes('Unified CCX uccx-pub')) ?? [];
        assert.equal(uccx.length, 1, (state.manualActions ?? []).join('\n'));
        assert.match(uccx[0]!, /set cert import trust tomcat/);
        assert.match(uccx[0]!, /Finesse desktop logins fail/);
        if (decision === 'skip') {
          assert.equal(state.phase, 'completed');
          assert.ok(state.steps.some((s) => s.kind === 'uccx-trust' && s.status === 'skipped'));
        } else assert.equal(state.phase, 'aborted');
      });
    });
  }
});
