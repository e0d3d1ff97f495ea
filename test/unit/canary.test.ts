/**
 * The canary stage's pure parts: the plan shows it (default on, off with false or 0, never with phone reset
 * "none", a bad option refused), the choice of canaries is deterministic and spread over nodes and models, and the
 * manual actions of a run stopped in it say that only the canaries were reset.
 */
import assert from 'node:assert/strict';
import { selectCanaries } from '../../activities/canary';
import type { RisDevice } from '../../activities/cucm/risport';
import { defaultServices } from '../../simulator/services';
import { parseCucmVersion, unitsOnNode } from '../../domain/cucm-version';
import { manualActionsFor } from '../../workflows/manual-actions';
import { buildPlan, checkPlanInvariants, type PlanCluster, type PlanRequest, type PlanStep } from '../../domain/plan';

function cluster(version: string, securityMode: 0 | 1 = 0): PlanCluster {
  const v = parseCucmVersion(version);
  const nodes = ['pub', 'sub1'].map((id, i) => {
    const role = i === 0 ? ('publisher' as const) : ('subscriber' as const);
    return {
      id,
      role,
      product: 'callmanager',
      services: Object.entries(defaultServices(v, role, 'callmanager', true)).map(([name, s]) => ({
        name,
        state: s.state,
        reason: s.reason,
      })),
      certificates: unitsOnNode(v, role, 'callmanager').map((unit) => ({
        unit,
        serial: `${id}-${unit}`,
        selfSigned: true,
        issuer: `CN=${id}`,
        notAfter: '2030-01-01T00:00:00Z',
      })),
    };
  });
  return { clusterId: 'lab', version, securityMode, itlSigner: v.major >= 12 ? 'ITLRecovery' : 'CallManager', nodes };
}

function resetStep(c: PlanCluster, request: PlanRequest, options = {}): PlanStep | undefined {
  const plan = buildPlan(c, request, options);
  assert.deepEqual(checkPlanInvariants(c, request, plan, options), []);
  return plan.units[0]?.steps.find((s) => s.kind === 'reset-phones' || s.kind === 'confirm-phones-reset');
}

describe('canary phones (pure parts)', () => {
  const c14 = cluster('14.0.1.13900-155');

  it('the plan shows the canary stage by default, with its size and reason', () => {
    const step = resetStep(c14, { units: ['CallManager'] });
    assert.equal(step?.kind, 'reset-phones');
    assert.deepEqual(step?.kind === 'reset-phones' && { ...step.canary, reason: undefined }, {
      perNodeModel: 2,
      max: 50,
      reason: undefined,
    });
    assert.match(step?.kind === 'reset-phones' ? (step.canary?.reason ?? '') : '', /first .* rest of the fleet/);
  });

  it('false, perNodeModel 0, phone reset "none" and runs older than the canary patch have none', () => {
    for (const request of [
      { units: ['CallManager'], canaryPhones: false },
      { units: ['CallManager'], canaryPhones: { perNodeModel: 0 } },
    ] as PlanRequest[]) {
      const step = resetStep(c14, request);
      assert.ok(step?.kind === 'reset-phones' && step.canary === undefined);
    }
    assert.equal(resetStep(c14, { units: ['CallManager'], phoneReset: 'none' })?.kind, 'confirm-phones-reset');
    const old = resetStep(c14, { units: ['CallManager'] }, { canaryPhones: false });
    assert.ok(old?.kind === 'reset-phones' && old.canary === undefined);
  });

  it('a bad option is refused, saying what to fix', () => {
    const plan = buildPlan(c14, { units: ['CallManager'], canaryPhones: { perNodeModel: 50 } });
    assert.deepEqual(
      plan.refusals.map((r) => r.code),
      ['INVALID_CANARY_PHONES'],
    );
    assert.match(plan.refusals[0]?.message ?? '', /perNodeModel must be a whole number from 0 \(off\) to 20/);
  });

  const device = (name: string, node: string, model: string, status = 'Registered'): RisDevice => ({
    name,
    node,
    model,
    status,
    timestamp: 1,
  });
  const fleet: RisDevice[] = [];
  for (let i = 0; i < 60; i++)
    fleet.push(
      device(
        `SEP${String(i).padStart(12, '0')}`,
        i % 3 === 0 ? 'pub' : 'sub1',
        String(i % 4),
        i === 0 ? 'Rejected' : 'Registered',
      ),
    );

  it('chooses the first registered phones of every node, model (and security) group, the same every time', () => {
    const a = selectCanaries(fleet, { perNodeModel: 2, max: 50 });
    const b = selectCanaries([...fleet].reverse(), { perNodeModel: 2, max: 50 });
    assert.deepEqual(a, b);
    assert.equal(a.length, 16); // 2 nodes x 4 models x 2
    assert.ok(!a.some((p) => p.name === fleet[0]?.name), 'a phone not registered at the baseline is no canary');
    const secure = new Set(fleet.filter((_, i) => ((i >> 2) & 1) === 0).map((d) => d.name));
    assert.equal(selectCanaries(fleet, { perNodeModel: 1, max: 50, secure }).length, 16);
    assert.ok(selectCanaries(fleet, { perNodeModel: 1, max: 50, among: secure }).every((p) => secure.has(p.name)));
  });

  it('over max, every group keeps its first canary before any gets a second', () => {
    const few = selectCanaries(fleet, { perNodeModel: 3, max: 8 });
    assert.equal(few.length, 8);
    assert.equal(new Set(few.map((p) => `${p.node}/${p.model}`)).size, 8);
  });

  it('a run stopped in its canary stage says only the canaries were reset, why, and how to recover', () => {
    const steps = buildPlan(c14, { units: ['CallManager'] }).units[0]?.steps ?? [];
    const phones = [
      { name: 'SEP1', node: 'pub', model: '36670' },
      { name: 'SEP2', node: 'sub1', model: '36670' },
    ];
    const actions = manualActionsFor({
      unit: 'CallManager',
      steps,
      progress: steps.map((s) =>
        s.kind === 'reset-phones' ? 'interrupted' : s.kind === 'await-registration' ? 'not-run' : 'done',
      ),
      canary: {
        phones,
        status: 'missing',
        missing: [phones[0]!],
        likelyCause: 'Likely cause: ITL/CTL trust.',
        recovery: 'utils itl reset localkey',
      },
    }).join('\n');
    assert.match(actions, /Only the 2 canary phones were reset \(SEP1, SEP2\); the rest of the fleet was not reset/);
    assert.match(actions, /1 canaries did not register again \(SEP1 on pub\)/);
    assert.match(actions, /utils itl reset localkey/);
  });
});
