/**
 * The canary stage over the API: the dry run shows it in the plan (and not when it is turned off), and a run's
 * document (a single unit's, and a rotation's from its unit run's report) names the canaries chosen with the
 * baseline, before anything is reset.
 */
import assert from 'node:assert/strict';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { waitFor } from '../support/net';

interface CanaryDoc {
  status?: string;
  phones?: Array<{ name: string; node: string; model: string }>;
}

describe('canary phones over the API', function () {
  this.timeout(120_000);
  let system: System;

  before(async () => {
    system = await startSystem('api-canary', [
      {
        id: 'lab1',
        version: '14.0.1.13900-155',
        nodes: [
          { name: 'pub', role: 'publisher' },
          { name: 'sub1', role: 'subscriber' },
        ],
        phones: { count: 24 },
      },
    ]);
  });
  after(() => system?.stop());

  const resetStep = (plan: Record<string, unknown>) =>
    (plan.units as Array<{ steps: Array<Record<string, unknown>> }>)
      .flatMap((u) => u.steps)
      .find((s) => s.kind === 'reset-phones');

  it('the dry run shows the canary stage, its size and why; false turns it off', async () => {
    const on = await postJson(`${system.baseUrl}/v1/clusters/lab1/plan`, {
      units: ['CallManager'],
      canaryPhones: { perNodeModel: 1, max: 10 },
    });
    assert.equal(on.status, 200);
    const canary = resetStep(on.json)?.canary as Record<string, unknown> | undefined;
    assert.equal(canary?.perNodeModel, 1);
    assert.equal(canary?.max, 10);
    assert.match(String(canary?.reason), /rest of the fleet only once they are back/);
    const byDefault = await postJson(`${system.baseUrl}/v1/clusters/lab1/plan?maxAgeSeconds=600`, {
      units: ['CallManager'],
    });
    assert.equal((resetStep(byDefault.json)?.canary as Record<string, unknown>).perNodeModel, 2);
    const off = await postJson(`${system.baseUrl}/v1/clusters/lab1/plan?maxAgeSeconds=600`, {
      units: ['CallManager'],
      canaryPhones: false,
    });
    assert.equal(resetStep(off.json)?.canary, undefined);
  });

  const canariesOf = async (location: string) =>
    waitFor(
      'the run at its before-start gate with its canaries',
      async () => {
        const doc = (await getJson(`${system.baseUrl}${location}`)).json as {
          pendingGates?: Array<{ kind: string }>;
          canaryPhones?: CanaryDoc;
        };
        return doc.pendingGates?.some((g) => g.kind === 'before-start') && doc.canaryPhones ? doc : undefined;
      },
      60_000,
    );

  for (const units of [['CallManager'], ['CallManager', 'TVS']]) {
    it(`GET /v1/regenerations/{id} names the canaries before anything is reset (${units.length > 1 ? 'a rotation' : 'one unit'})`, async () => {
      // The previous case's run has closed; its lease is released just after, and the API says 409 until then.
      const started = await waitFor('the cluster free for a new run (202, not 409)', async () => {
        const answer = await postJson(`${system.baseUrl}/v1/clusters/lab1/regenerations`, {
          units,
          canaryPhones: { perNodeModel: 1 },
        });
        if (answer.status === 409) throw new Error(`409: ${String(answer.json.detail)}`);
        return answer;
      });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const location = String(started.json.location);
      const doc = await canariesOf(location);
      assert.equal(doc.canaryPhones?.status, 'selected');
      // Two models per node in the simulator's fleet: four canaries, both nodes.
      assert.equal(doc.canaryPhones?.phones?.length, 4);
      assert.deepEqual(new Set(doc.canaryPhones?.phones?.map((p) => p.node)), new Set(['pub', 'sub1']));
      assert.equal((await system.lab.control.events('lab1', { kind: 'phone-reset' })).length, 0);
      const cancelled = await postJson(`${system.baseUrl}${location}/cancel`, {});
      assert.ok(cancelled.status < 300, `cancel ${cancelled.status}`);
      await waitFor(
        'the run closed',
        async () => ((await getJson(`${system.baseUrl}${location}`)).json.closedAt ? true : undefined),
        60_000,
      );
    });
  }
});
