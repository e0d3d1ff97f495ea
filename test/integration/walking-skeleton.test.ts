/**
 * The walking skeleton end to end, every layer real: POST to the API starts a workflow on the dev server; the
 * worker regenerates tomcat on the simulated node over SSH and restarts Cisco Tomcat; GET answers the state through
 * the query, then the result.
 */
import assert from 'node:assert/strict';
import type { RegenerationDocument } from '../../api/regeneration-documents';
import { servedFingerprint, servedSerial } from '../support/control';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { waitFor } from '../support/net';

describe('walking skeleton: regenerate tomcat through the API', function () {
  this.timeout(90_000);
  let system: System;

  before(async () => {
    system = await startSystem('skeleton');
  });
  after(() => system?.stop());

  it('changes the tomcat serial, then restarts Cisco Tomcat, and reports both', async () => {
    // What an engineer sees: the node's certificate (the simulator's control API) and what its HTTPS port serves.
    const { control } = system.lab;
    const endpoint = system.lab.sim.endpoints.clusters[0]!.nodes[0]!;
    const served = () => servedSerial(endpoint.host, endpoint.httpsPort);
    const serialBefore = await control.serial('lab1', 'cucm-pub', 'tomcat');
    const servedBefore = await served();

    const started = await postJson(`${system.baseUrl}/v1/clusters/lab1/regenerations`, {
      units: ['tomcat'],
      approvals: [],
    });
    assert.equal(started.status, 202);
    const id = started.json.id as string;
    assert.equal(started.headers.get('location'), `/v1/regenerations/${id}`);

    // While it runs, GET answers from the workflow's query.
    const running = await getJson(`${system.baseUrl}/v1/regenerations/${id}`);
    assert.equal(running.status, 200);
    assert.equal(running.json.clusterId, 'lab1');
    assert.ok(['running', 'completed'].includes(running.json.status as string));

    const done = await waitFor('the run to complete', async () => {
      const { json } = await getJson(`${system.baseUrl}/v1/regenerations/${id}`);
      return json.status === 'completed' || json.status === 'failed'
        ? (json as unknown as RegenerationDocument)
        : undefined;
    });
    assert.equal(done.status, 'completed', done.error);

    // The simulator's view: a new serial, Tomcat restarted after the regeneration, and the new cert now served.
    const serialAfter = await control.serial('lab1', 'cucm-pub', 'tomcat');
    assert.notEqual(serialAfter, serialBefore);
    const events = await control.events('lab1', { node: 'cucm-pub' });
    const regen = events.find((e) => e.kind === 'cert-regenerated' && e.detail.unit === 'tomcat');
    const restarted = events
      .filter((e) => e.kind === 'service-state' && e.detail.service === 'Cisco Tomcat')
      .map((e) => e);
    assert.ok(regen, 'the simulator saw a tomcat regeneration');
    assert.deepEqual(
      restarted.map((e) => e.detail.state),
      ['STOPPING', 'STARTING', 'STARTED'],
    );
    assert.ok(
      restarted.every((e) => e.seq > regen.seq),
      'Tomcat restarted after the regeneration',
    );
    assert.equal(servedBefore, serialBefore, 'HTTPS served the old certificate before');
    assert.equal(await served(), serialAfter, 'HTTPS serves the new certificate');

    // The API's view: the steps and the result say the same.
    // With the SHA-256 fingerprints before and after; after is the certificate the node's HTTPS port now serves.
    const sha256Before = done.result?.nodes[0]?.sha256Before;
    assert.match(sha256Before ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const sha256After = await servedFingerprint(endpoint.host, endpoint.httpsPort);
    const reported = done.result?.nodes.map((n) => ({
      ...n,
      serialBefore: n.serialBefore.toLowerCase(),
      serialAfter: n.serialAfter.toLowerCase(),
    }));
    assert.deepEqual(reported, [
      { nodeId: 'cucm-pub', serialBefore, serialAfter, regeneratedNow: true, sha256Before, sha256After },
    ]);
    assert.deepEqual(done.result?.restarts, [{ nodeId: 'cucm-pub', service: 'Cisco Tomcat', restarted: true }]);
    assert.deepEqual(
      done.steps.map((s) => `${s.kind}:${s.status}`),
      [
        'preflight:completed',
        'preflight:completed',
        'regenerate:completed',
        'restart-service:completed',
        'verify:completed',
      ],
    );
    assert.deepEqual(done.pendingGates, []);
    assert.ok(done.closedAt);
  });

  it('lists the run under its cluster in Temporal visibility', async () => {
    const ids: string[] = [];
    // Visibility is eventually consistent: wait until the search attributes are indexed.
    await waitFor('visibility', async () => {
      ids.length = 0;
      for await (const wf of system.env.client.workflow.list({
        query: `CucmClusterId = 'lab1' AND CucmRunPhase = 'completed' AND TaskQueue = '${system.taskQueue}'`,
      }))
        ids.push(wf.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    assert.equal(ids.length, 1);
  });
});
