/**
 * Gates, cancellation and the audit trail over HTTP, every layer real: a run stops at its gate, the decision goes
 * through the workflow's update (a gate that is not pending is refused with 409), and the events show who decided.
 * A rotation is driven through its own id: its document shows the gates of the unit it is on (reported to it by
 * the unit run), a decision sent to it reaches exactly the gate it names, and a stale one is refused.
 */
import assert from 'node:assert/strict';
import { approveSignal } from '../../domain/messages';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { waitFor } from '../support/net';
import { signCsr } from '../support/pki';

const cluster = (id: string) => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' as const }],
});

describe('API gates, cancel and events', function () {
  this.timeout(90_000);
  let system: System;

  before(async () => {
    system = await startSystem('gates', [
      cluster('g1'),
      cluster('g2'),
      cluster('g3'),
      cluster('g4'),
      cluster('g5'),
      { ...cluster('g6'), caSignedUnits: ['tomcat'] },
      { ...cluster('g7'), caSignedUnits: ['tomcat'] },
      cluster('g8'),
    ]);
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
      (await system.lab.control.events('g1', { kind: 'cert-regenerated' })).length,
      0,
      'nothing changed before the gate',
    );
    // No CSR is pending in a self-signed run: a submitted chain is refused with the reason, a body without PEM is a 400.
    const chain = await postJson(`${system.baseUrl}/v1/regenerations/${id}/chains`, {
      nodeId: 'g1-pub',
      chainPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
    assert.equal(chain.status, 409);
    assert.match(String(chain.json.detail), /No CSR is waiting/);
    const notPem = await postJson(`${system.baseUrl}/v1/regenerations/${id}/chains`, {
      nodeId: 'g1-pub',
      chainPem: 'x',
    });
    assert.equal(notPem.status, 400);
    const wrong = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/before-restarts-9`, {
      decision: 'approve',
    });
    assert.equal(wrong.status, 409);
    assert.match(String(wrong.json.detail), /is not pending/);
    const ok = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/${encodeURIComponent(gate?.id ?? '')}`, {
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
    // The document shows the plan it ran and the serials before and after, per node.
    assert.deepEqual(
      (done.plan as { units: Array<{ unit: string }> }).units.map((u) => u.unit),
      ['tomcat'],
    );
    const certificates = done.certificates as Array<{ nodeId: string; serialBefore: string; serialAfter: string }>;
    assert.deepEqual(
      certificates.map((c) => c.nodeId),
      ['g1-pub'],
    );
    assert.notEqual(certificates[0]?.serialAfter, certificates[0]?.serialBefore);
    assert.equal(done.manualActions, undefined, 'a completed run leaves nothing to do by hand');
    const again = await postJson(
      `${system.baseUrl}/v1/regenerations/${id}/gates/${encodeURIComponent(gate?.id ?? '')}`,
      { decision: 'approve' },
    );
    assert.equal(again.status, 409, 'a closed run takes no decision');
    const { json } = await getJson(`${system.baseUrl}/v1/regenerations/${id}/events`);
    const decision = (json.events as Array<Record<string, unknown>>).find((e) => e.type === 'decision');
    assert.deepEqual([decision?.decision, decision?.comment, decision?.by], ['approve', 'CHG0042', 'anonymous']);
  });

  /**
   * Starts `units` on a cluster whose tomcat is CA-signed, posts two chains for its publisher at once (two signings of
   * its CSR: two engineers, or one double click) and checks the answers, the run's end, and what the node serves.
   * `unitRun` is the id of the run that records the chain (the rotation hands it to its unit run).
   */
  async function twoChainsAtOnce(clusterId: string, units: string[], unitRun: (id: string) => string) {
    const ca = system.lab.sim.cluster(clusterId).ca;
    assert.ok(ca, `the simulated enterprise CA of ${clusterId}`);
    const nodeId = `${clusterId}-pub`;
    const started = await postJson(`${system.baseUrl}/v1/clusters/${clusterId}/regenerations`, {
      units,
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const csrs = await waitFor('the CSR at the signed-certificate gate', async () => {
      const d = await doc(id);
      const gates = d.pendingGates as Array<{ kind: string }>;
      const waiting = d.csrs as Array<{ nodeId: string; csrPem: string }> | undefined;
      return gates.some((g) => g.kind === 'signed-certificate') && waiting?.length ? waiting : undefined;
    });
    const csrPem = csrs.find((c) => c.nodeId === nodeId)?.csrPem ?? '';
    const chains = [signCsr(csrPem, ca), signCsr(csrPem, ca)].map((leaf) => `${leaf}${ca.pem}`);
    const answers = await Promise.all(
      chains.map((chainPem) => postJson(`${system.baseUrl}/v1/regenerations/${id}/chains`, { nodeId, chainPem })),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 409],
      `one accepted, one refused: ${JSON.stringify(answers.map((a) => a.json))}`,
    );
    const refused = answers.find((a) => a.status === 409);
    const accepted = answers.find((a) => a.status === 200);
    assert.match(String(refused?.headers.get('content-type')), /application\/problem\+json/);
    // Refused while the other is checked, or (if the first check was over before the second arrived) as taken.
    assert.match(
      String(refused?.json.detail),
      new RegExp(
        `A chain for ${nodeId} is being checked; wait for its answer .* submit again only if it is refused|The signed chain for ${nodeId} was already accepted`,
      ),
    );
    const done = await waitFor(
      'the run to end',
      async () => {
        const d = await doc(id);
        return ['completed', 'failed', 'aborted'].includes(d.status as string) ? d : undefined;
      },
      90_000,
    );
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const recorded = ((await doc(unitRun(id))).decisions as Array<{ kind: string }>).filter(
      (d) => d.kind === 'signed-certificate',
    );
    assert.equal(recorded.length, 1, 'one chain recorded');
    const served = await system.lab.control.serial(clusterId, nodeId, 'tomcat');
    assert.equal(
      served.toLowerCase(),
      String(accepted?.json.serial).toLowerCase(),
      'the node holds the accepted chain',
    );
  }

  it('two chains for one node posted at once: one accepted (200), the other a 409 problem saying what to do; the accepted one is served', () =>
    twoChainsAtOnce('g6', ['tomcat'], (id) => id));

  it('the same through a rotation (its own update, handing the chain to its unit run)', () =>
    twoChainsAtOnce('g7', ['tomcat', 'ipsec'], (id) => `${id}-tomcat`));

  it('a reject ends the run as aborted (not failed) with nothing changed, and lists it so', async () => {
    const id = await start('g2');
    const gate = await pendingGate(id);
    await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/${encodeURIComponent(gate?.id ?? '')}`, {
      decision: 'reject',
      comment: 'not tonight',
    });
    const done = await waitFor('the end', async () => {
      const d = await doc(id);
      return ['aborted', 'failed', 'completed'].includes(d.status as string) ? d : undefined;
    });
    assert.equal(done.status, 'aborted', JSON.stringify(done));
    assert.equal(done.phase, 'aborted');
    assert.match(String(done.error), /Rejected at gate/);
    assert.ok(Array.isArray(done.manualActions), 'an ended run says what is left to do by hand');
    assert.equal((await system.lab.control.events('g2', { kind: 'cert-regenerated' })).length, 0);
    // The list filters agree: aborted, not failed.
    const listed = (query: string) =>
      waitFor(`GET /v1/regenerations?${query}`, async () => {
        const { json } = await getJson(`${system.baseUrl}/v1/regenerations?${query}`);
        const items = json.items as Array<{ id: string; status: string }>;
        return items.some((i) => i.id === id) || query.includes('failed') ? items : undefined;
      });
    const aborted = await listed('clusterId=g2&status=aborted');
    assert.deepEqual(
      aborted.map((i) => [i.id, i.status]),
      [[id, 'aborted']],
    );
    assert.deepEqual(await listed('clusterId=g2&status=failed'), []);
  });

  it('drives a rotation through its own id: the gates of each unit run, approved via the rotation, then completed', async () => {
    const started = await postJson(`${system.baseUrl}/v1/clusters/g4/regenerations`, {
      units: ['tomcat', 'tomcat-ECDSA'],
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const approvedUnits: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = await waitFor(`a pending gate of unit run ${i + 1}`, async () => {
        const d = await doc(id);
        const gates = d.pendingGates as Array<{ id: string; kind: string }>;
        return d.status === 'awaiting-approval' && gates.length && !approvedUnits.includes(String(d.currentUnit))
          ? d
          : undefined;
      });
      assert.equal(d.type, 'rotateCluster');
      assert.deepEqual(d.order, ['tomcat', 'tomcat-ECDSA']);
      assert.deepEqual(d.done, approvedUnits);
      assert.equal(d.currentRunId, `${id}-${String(d.currentUnit)}`);
      assert.ok((d.steps as unknown[]).length > 0, "the current unit run's steps");
      const gate = (d.pendingGates as Array<{ id: string; kind: string }>)[0];
      assert.equal(gate?.kind, 'before-start');
      assert.equal(gate?.id, `${String(d.currentUnit)}.before-start-1`, 'the gate id names its unit');
      const decided = await postJson(
        `${system.baseUrl}/v1/regenerations/${id}/gates/${encodeURIComponent(gate?.id ?? '')}`,
        { decision: 'approve', comment: `unit ${i + 1}` },
      );
      assert.equal(decided.status, 200, JSON.stringify(decided.json));
      approvedUnits.push(String(d.currentUnit));
    }
    const done = await waitFor('the rotation to end', async () => {
      const d = await doc(id);
      return ['completed', 'failed', 'aborted'].includes(d.status as string) ? d : undefined;
    });
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual(done.done, ['tomcat', 'tomcat-ECDSA']);
    assert.equal((done.result as unknown[]).length, 2);
    assert.deepEqual(
      (done.unitRuns as Array<{ id: string }>).map((u) => u.id),
      [`${id}-tomcat`, `${id}-tomcat-ECDSA`],
    );
    assert.equal((await system.lab.control.events('g4', { kind: 'cert-regenerated' })).length, 2);
    // The rotation's audit trail gathers its unit runs', with the approvals.
    const { json } = await getJson(`${system.baseUrl}/v1/regenerations/${id}/events`);
    const decisions = (json.events as Array<Record<string, unknown>>).filter((e) => e.type === 'decision');
    assert.deepEqual(
      decisions.map((e) => [e.unit, e.comment]),
      [
        ['tomcat', 'unit 1'],
        ['tomcat-ECDSA', 'unit 2'],
      ],
    );
    const closed = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/tomcat.before-start-1`, {
      decision: 'approve',
    });
    assert.equal(closed.status, 409);
    // What the unit runs told the rotation, as its history keeps it: small summaries, never a unit's whole state.
    const history = await system.env.client.workflow.getHandle(id).fetchHistory();
    const reports = (history.events ?? []).flatMap((e) => {
      const signal = e.workflowExecutionSignaledEventAttributes;
      return signal?.signalName?.startsWith('unit')
        ? [
            {
              name: signal.signalName,
              bytes: (signal.input?.payloads ?? []).reduce((n, p) => n + (p.data?.length ?? 0), 0),
            },
          ]
        : [];
    });
    assert.ok(reports.length > 0, 'the unit runs reported to the rotation');
    assert.deepEqual([...new Set(reports.map((r) => r.name))], ['unitSummary'], 'only summaries, no whole states');
    const biggest = Math.max(...reports.map((r) => r.bytes));
    assert.ok(
      biggest < 3_000,
      `a unit run's report to the rotation is ${biggest} B: it must not carry the unit's steps`,
    );
  });

  it("a repeated approval of tomcat's before-start, sent once the rotation is on CallManager, is refused and leaves CallManager's gate pending", async () => {
    const started = await postJson(`${system.baseUrl}/v1/clusters/g5/regenerations`, {
      units: ['tomcat', 'CallManager'],
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const gateOf = (unit: string) =>
      waitFor(`${unit}'s before-start gate`, async () => {
        const d = await doc(id);
        const gates = d.pendingGates as Array<{ id: string }>;
        return d.currentUnit === unit && gates.length ? gates : undefined;
      });
    assert.deepEqual(
      (await gateOf('tomcat')).map((g) => g.id),
      ['tomcat.before-start-1'],
    );
    const approve = () =>
      postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/tomcat.before-start-1`, {
        decision: 'approve',
      });
    assert.equal((await approve()).status, 200);
    assert.deepEqual(
      (await gateOf('CallManager')).map((g) => g.id),
      ['CallManager.before-start-1'],
    );
    const regenerations = async () => (await system.lab.control.events('g5', { kind: 'cert-regenerated' })).length;
    assert.equal(await regenerations(), 1, "tomcat's regeneration only");
    // The same approval again, over REST: refused, naming the gate that is pending.
    const stale = await approve();
    assert.equal(stale.status, 409, JSON.stringify(stale.json));
    assert.match(
      String(stale.json.detail),
      /tomcat\.before-start-1" is not pending \(pending: CallManager\.before-start-1\)/,
    );
    // And as the Temporal UI sends it (a signal): recorded as ignored, visible in /events.
    await system.env.client.workflow
      .getHandle(id)
      .signal(approveSignal, { gateId: 'tomcat.before-start-1', approver: 'ui-user' });
    const ignored = await waitFor('the ignored signal in /events', async () => {
      const { json } = await getJson(`${system.baseUrl}/v1/regenerations/${id}/events`);
      return (json.events as Array<Record<string, unknown>>).find((e) => e.type === 'ignored-decision');
    });
    assert.equal(ignored.gate, 'tomcat.before-start-1');
    assert.equal(ignored.by, 'ui-user');
    assert.match(String(ignored.detail), /ignored: Gate "tomcat\.before-start-1" is not pending/);
    const d = await doc(id);
    assert.equal(d.status, 'awaiting-approval');
    assert.deepEqual(
      (d.pendingGates as Array<{ id: string }>).map((g) => g.id),
      ['CallManager.before-start-1'],
      "CallManager's gate stays pending",
    );
    assert.equal(await regenerations(), 1, 'CallManager was not started');
    const rejected = await postJson(`${system.baseUrl}/v1/regenerations/${id}/gates/CallManager.before-start-1`, {
      decision: 'reject',
    });
    assert.equal(rejected.status, 200);
    const done = await waitFor('the rotation to end', async () => {
      const r = await doc(id);
      return ['completed', 'failed', 'aborted'].includes(r.status as string) ? r : undefined;
    });
    assert.equal(done.status, 'aborted');
  });

  it('cancels a run waiting at its gate', async () => {
    const id = await start('g3');
    await pendingGate(id);
    const cancelled = await postJson(`${system.baseUrl}/v1/regenerations/${id}/cancel`, {});
    assert.equal(cancelled.status, 202);
    const done = await waitFor('cancelled', async () => {
      const d = await doc(id);
      return d.status === 'cancelled' ? d : undefined;
    });
    assert.ok(Array.isArray(done.manualActions), JSON.stringify(done));
    assert.equal((await system.lab.control.events('g3', { kind: 'cert-regenerated' })).length, 0);
  });

  it("cancels a rotation waiting at its unit's gate: the rotation and its unit run end cancelled", async () => {
    const started = await postJson(`${system.baseUrl}/v1/clusters/g8/regenerations`, {
      units: ['tomcat', 'tomcat-ECDSA'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    await pendingGate(id);
    const cancelled = await postJson(`${system.baseUrl}/v1/regenerations/${id}/cancel`, {});
    assert.equal(cancelled.status, 202);
    const done = await waitFor('the rotation cancelled', async () => {
      const d = await doc(id);
      return d.status === 'cancelled' ? d : undefined;
    });
    assert.deepEqual(done.done, []);
    assert.equal((await doc(`${id}-tomcat`)).status, 'cancelled', 'its unit run is cancelled too');
    assert.equal((await system.lab.control.events('g8', { kind: 'cert-regenerated' })).length, 0);
  });
});
