/**
 * No secret in any workflow history: this file runs, through the API, every kind of workflow a user starts (a
 * discovery for the certificate inventory, a dry-run plan, a regeneration, a rotation of two units) and a trust
 * cleanup, then reads the full history of each workflow on its own task queue (inputs, results, activity arguments
 * and results, failures) and checks that none carries a password the simulator handed out, or a private key.
 * Self-contained: it inspects only the histories it produced, whatever other files ran before it.
 */
import assert from 'node:assert/strict';
import { cleanupExpiredTrust } from '../../workflows/cleanup-expired-trust';
import { clusterEntityId, clusterStateQuery } from '../../domain/contract/cluster-entity';
import { waitFor } from '../support/net';
import { secretsOfThisRun } from '../support/simulator';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { strings } from '../support/history-strings';

describe('no secret in any workflow history', function () {
  this.timeout(180_000);
  let system: System;

  before(async () => {
    system = await startSystem('no-secrets');
  });
  after(() => system?.stop());

  it('finds no password and no private key in any event of the workflows it ran', async () => {
    const url = (path: string) => `${system.baseUrl}${path}`;
    const client = system.env.client;
    const certificates = await getJson(url('/v1/clusters/lab1/certificates'));
    assert.equal(certificates.status, 200, JSON.stringify(certificates.json));
    const plan = await postJson(url('/v1/clusters/lab1/plan'), { units: ['tomcat'] });
    assert.equal(plan.status, 200, JSON.stringify(plan.json));
    const started: string[] = [];
    // A run asks the cluster's entity for the lease; the entity releases it once it has seen the run close (a moment
    // after its result), so each next start waits for that, as an engineer would see it in the entity.
    const entity = client.workflow.getHandle(clusterEntityId('lab1', system.taskQueue));
    const leaseReleased = () =>
      waitFor('the lease released', async () => ((await entity.query(clusterStateQuery)).holder ? undefined : true));
    for (const units of [['tomcat'], ['tomcat', 'CallManager']]) {
      const { status, json } = await postJson(url('/v1/clusters/lab1/regenerations'), { units, approvals: [] });
      assert.equal(status, 202, JSON.stringify(json));
      started.push(json.id as string);
      await client.workflow.getHandle(json.id as string).result();
      await leaseReleased();
    }
    await client.workflow.execute(cleanupExpiredTrust, {
      workflowId: `no-secrets-cleanup-${Date.now()}`,
      taskQueue: system.taskQueue,
      args: [{ clusterId: 'lab1' }],
    });
    // A trust recovery, started over the API like a person would, without gates, once the cleanup's lease is free.
    await leaseReleased();
    const recovery = await postJson(url('/v1/clusters/lab1/trust-recovery'), {
      approvals: [],
      registrationPollSeconds: 1,
    });
    assert.equal(recovery.status, 202, JSON.stringify(recovery.json));
    await client.workflow.getHandle(recovery.json.id as string).result();

    const secrets = [...secretsOfThisRun].filter((s) => s.length >= 8);
    assert.ok(secrets.length > 0, 'the run used secrets to look for');
    const kinds = [
      'discoverClusterWorkflow',
      'regenerateCertificate',
      'rotateCluster',
      'cleanupExpiredTrust',
      'recoverTrust',
    ];
    // Only this file's task queue: the discoveries, the runs and their unit runs, the cleanup. Visibility lags a
    // little behind the runs: wait until it lists every kind this file ran.
    const listed = await waitFor('every workflow of this file in visibility', async () => {
      const found: Array<{ workflowId: string; runId: string; type: string }> = [];
      for await (const wf of client.workflow.list({ query: `TaskQueue = '${system.taskQueue}'` })) found.push(wf);
      return kinds.every((k) => found.some((wf) => wf.type === k)) ? found : undefined;
    });
    let events = 0;
    for (const wf of listed) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      events += history.events?.length ?? 0;
      const text = strings(history).join('\n');
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `workflow ${wf.workflowId} carries a secret in its history`);
      assert.doesNotMatch(text, /PRIVATE KEY-----/, `workflow ${wf.workflowId} carries a private key`);
    }
    console.log(`      [figures] ${listed.length} workflow histories, ${events} events checked`);
  });
});
