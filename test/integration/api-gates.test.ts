/**
 * Gates, cancellation and the audit trail over HTTP, every layer real: a run stops at its gate, the decision goes
 * through the workflow's update (a gate that is not pending is refused with 409), and the events show who decided.
 */
import assert from 'node:assert/strict';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { waitFor } from '../support/net';

const cluster = (id: string) => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' as const }],
});

describe('API gates, cancel and events', function () {
  this.timeout(90_000);
  let system: System;

  before(async () => {
    system = await startSystem('gates', [cluster('g1'), cluster('g2'), cluster('g3')]);
  });
  after(() => system?.stop());

  const doc = async (id: string) => (await getJson(`${system.baseUrl}/v1/regenerations/${id}`)).json;
  const start = async (clusterId: string) =>
    (await postJson(`${system.baseUrl}/v1/clusters/${clusterId}/regenerations`, { units: ['tomcat'] })).json
      .id as string;
  const pendingGate = (id: string) =>
    waitFor('a pending gate', async () => {
      const d = await doc(id);
      const gates = d.pendingGates as Array<{ id: string; kind: string }>;
      return d.status === 'awaiting-approval' && gates.length ? gates[0] : undefined;
    });

  it('stops at the before-start gate, refuses a decision for another gate, then runs once approved', async () => {
    const id = await start('g1');
    const gate = await pendingGate(id);
    assert.equal(gate?.kind, 'before-start');
    assert.equal(
      system.lab.sim.cluster('g1').events.list({ kind: 'cert-regenerated' }).length,
      0,
      'nothing changed before the gate',
    );
    const wrong = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/before-restarts-9`, {
      decision: 'approve',
    });
    assert.equal(wrong.status, 409);
    assert.match(String(wrong.json.detail), /is not pending/);
    const ok = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/${gate?.id}`, {
      decision: 'approve',
      comment: 'CHG0042',
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.accepted, true);
    const done = await waitFor('completion', async () => {
      const d = await doc(id);
      return d.status === 'completed' || d.status === 'failed' ? d : undefined;
    });
    assert.equal(done.status, 'completed', String(done.error));
    const again = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/${gate?.id}`, { decision: 'approve' });
    assert.equal(again.status, 409, 'a closed run takes no decision');
    const { json } = await getJson(`${system.baseUrl}/v1/regenerations/${id}/events`);
    const decision = (json.events as Array<Record<string, unknown>>).find((e) => e.type === 'decision');
    assert.deepEqual([decision?.decision, decision?.comment, decision?.by], ['approve', 'CHG0042', 'anonymous']);
  });

  it('a reject ends the run as failed with nothing changed', async () => {
    const id = await start('g2');
    const gate = await pendingGate(id);
    await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/${gate?.id}`, {
      decision: 'reject',
      comment: 'not tonight',
    });
    const done = await waitFor('the end', async () =>
      (await doc(id)).status === 'failed' ? await doc(id) : undefined,
    );
    assert.match(String(done.error), /Rejected at gate/);
    assert.equal(system.lab.sim.cluster('g2').events.list({ kind: 'cert-regenerated' }).length, 0);
  });

  it('cancels a run waiting at its gate', async () => {
    const id = await start('g3');
    await pendingGate(id);
    const cancelled = await postJson(`${system.baseUrl}/v1/regenerations/${id}/cancel`, {});
    assert.equal(cancelled.status, 202);
    const done = await waitFor('cancelled', async () => ((await doc(id)).status === 'cancelled' ? true : undefined));
    assert.ok(done);
    assert.equal(system.lab.sim.cluster('g3').events.list({ kind: 'cert-regenerated' }).length, 0);
  });
});
