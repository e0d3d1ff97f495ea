/**
 * The regeneration plan on clusters a UC engineer knows: which nodes, in which order, which services restart where,
 * when the CTL is updated, how phones are reset, and what is refused (with a message that says what to do).
 */
import assert from 'node:assert/strict';
import { defaultServices, SERVICE } from '../../simulator/services';
import { parseCucmVersion, unitsOnNode, type NodeProduct } from '../../domain/cucm-version';
import {
  buildPlan,
  checkPlanInvariants,
  PLAN_SERVICE,
  PLAN_UNIT_ORDER,
  type Plan,
  type PlanCluster,
  type PlanNode,
  type PlanRequest,
  type PlanStep,
} from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';

interface NodeSpec {
  id: string;
  role?: 'publisher' | 'subscriber';
  product?: NodeProduct;
  /** Overrides of the simulator's default service states, e.g. { 'Cisco Tftp': 'STOPPED' }. */
  services?: Record<string, string>;
  caSigned?: CertificateUnit[];
  missing?: CertificateUnit[];
}

/** A cluster as discovery would report it, from the simulator's default service layout for that version. */
function cluster(version: string, specs: NodeSpec[], securityMode: 0 | 1 = 0): PlanCluster {
  const v = parseCucmVersion(version);
  const nodes = specs.map((spec, i): PlanNode => {
    const role = spec.role ?? (i === 0 ? 'publisher' : 'subscriber');
    const product = spec.product ?? 'callmanager';
    const services = Object.entries(defaultServices(v, role, product, true)).map(([name, s]) => ({
      name,
      state: spec.services?.[name] ?? s.state,
      reason: s.reason,
    }));
    for (const [name, state] of Object.entries(spec.services ?? {}))
      if (!services.some((s) => s.name === name)) services.push({ name, state, reason: undefined });
    const certificates = unitsOnNode(v, role, product)
      .filter((unit) => !spec.missing?.includes(unit))
      .map((unit) => {
        const ca = spec.caSigned?.includes(unit) ?? false;
        return {
          unit,
          serial: `${spec.id}-${unit}`,
          selfSigned: !ca,
          issuer: ca ? 'CN=Corp Issuing CA' : `CN=${spec.id}`,
          notAfter: '2030-01-01T00:00:00Z',
        };
      });
    return { id: spec.id, role, product, services, certificates };
  });
  return { clusterId: 'lab', version, securityMode, itlSigner: v.major >= 12 ? 'ITLRecovery' : 'CallManager', nodes };
}

const threeNodes: NodeSpec[] = [{ id: 'pub' }, { id: 'sub1' }, { id: 'sub2' }];

/** Builds the plan and checks the guard agrees it is well formed, as the workflow will. */
function plan(c: PlanCluster, request: PlanRequest): Plan {
  const p = buildPlan(c, request);
  assert.deepEqual(checkPlanInvariants(c, request, p), []);
  return p;
}

function stepsOf(p: Plan, unit: CertificateUnit): PlanStep[] {
  const found = p.units.find((u) => u.unit === unit);
  assert.ok(found, `${unit} is planned`);
  return found.steps;
}

/** A compact trace: "regenerate pub", "restart Cisco Tomcat@sub1", ... */
function trace(steps: PlanStep[]): string[] {
  return steps.map((s) => {
    switch (s.kind) {
      case 'regenerate':
      case 'update-ctl':
        return `${s.kind} ${s.nodeId}`;
      case 'ca-signed-renewal':
      case 'verify-certificate':
        return `${s.kind} ${s.nodeIds.join(',')}`;
      case 'restart-service':
        return `restart ${s.service}@${s.nodeId}`;
      case 'verify-ipsec-trust':
        return `${s.kind} ${s.publisherId}->${s.subscriberIds.join(',')}`;
      case 'reset-phones':
        return `${s.kind} ${s.mode}`;
      default:
        return s.kind;
    }
  });
}

const codes = (p: Plan) => p.refusals.map((r) => r.code);

describe('regeneration plan', () => {
  it('14.0, three nodes, non-secure, tomcat: publisher first, Tomcat restarted on every node, no CTL, no phones', () => {
    const p = plan(cluster('14.0.1.13900-155', threeNodes), { units: ['tomcat'] });
    assert.deepEqual(p.refusals, []);
    assert.deepEqual(trace(stepsOf(p, 'tomcat')), [
      'regenerate pub',
      'regenerate sub1',
      'regenerate sub2',
      'restart Cisco Tomcat@pub',
      'restart Cisco Tomcat@sub1',
      'restart Cisco Tomcat@sub2',
      'verify-certificate pub,sub1,sub2',
    ]);
    assert.ok(
      stepsOf(p, 'tomcat').every((s) => s.reason.length > 0),
      'every step says why',
    );
    assert.ok(!p.warnings.some((w) => /Certificate Change Notification/.test(w)), 'no CCN note from 12.0');
  });

  it('restarts the SSO Tomcat after tomcat where SSO runs, and only there', () => {
    const c = cluster('14.0', [{ id: 'pub', services: { 'Cisco SSOSP Tomcat': 'STARTED' } }, { id: 'sub1' }]);
    assert.deepEqual(trace(stepsOf(plan(c, { units: ['tomcat-ECDSA'] }), 'tomcat-ECDSA')).slice(2, 5), [
      'restart Cisco Tomcat@pub',
      'restart Cisco Tomcat@sub1',
      'restart Cisco SSOSP Tomcat@pub',
    ]);
  });

  it('11.5 plans CallManager and TVS as two units, TVS only after the phones are back on the new ITL', () => {
    for (const callManager of ['CallManager', 'CallManager-ECDSA'] as const) {
      const p = plan(cluster('11.5.1.21900-40', threeNodes), { units: ['TVS', callManager] });
      assert.deepEqual(p.refusals, []);
      assert.deepEqual(
        p.units.map((u) => u.unit),
        [callManager, 'TVS'],
      );
      assert.equal(p.units[0]?.steps.at(-1)?.kind, 'await-registration');
      assert.ok(p.units[1]?.steps.every((s) => s.kind !== 'regenerate' || s.unit === 'TVS'));
      assert.ok(p.warnings.some((w) => /signed by CallManager.*never regenerated together.*TN 214231/.test(w)));
    }
  });

  it('the guard refuses a plan where TVS could start before the CallManager phones are back', () => {
    const c = cluster('11.5.1.21900-40', threeNodes);
    const request = { units: ['CallManager', 'TVS'] as CertificateUnit[] };
    const p = buildPlan(c, request);
    const broken = {
      ...p,
      units: p.units.map((u) => ({ ...u, steps: u.steps.filter((s) => s.kind !== 'await-registration') })),
    };
    assert.ok(
      checkPlanInvariants(c, request, broken).some((v) => /does not end with the phones back before TVS/.test(v)),
    );
  });

  it('12.5 allows CallManager with TVS, TVS last, each unit ending when phones are back', () => {
    const p = plan(cluster('12.5.1.16900-48', threeNodes), { units: ['TVS', 'CallManager', 'tomcat', 'ITLRecovery'] });
    assert.deepEqual(p.refusals, []);
    assert.deepEqual(
      p.units.map((u) => u.unit),
      ['tomcat', 'CallManager', 'ITLRecovery', 'TVS'],
    );
    for (const unit of ['CallManager', 'ITLRecovery', 'TVS'] as const)
      assert.deepEqual(trace(stepsOf(p, unit)).slice(-2), ['reset-phones all', 'await-registration']);
  });

  it('orders a full rotation tomcat, tomcat-ECDSA, ipsec, CAPF, CallManager, CallManager-ECDSA, ITLRecovery, TVS', () => {
    const p = plan(cluster('15.0', threeNodes), { units: [...PLAN_UNIT_ORDER].reverse() });
    assert.deepEqual(p.refusals, []);
    assert.deepEqual(
      p.units.map((u) => u.unit),
      ['tomcat', 'tomcat-ECDSA', 'ipsec', 'CAPF', 'CallManager', 'CallManager-ECDSA', 'ITLRecovery', 'TVS'],
    );
  });

  it('mixed-mode CallManager on 15: CTL updated on the publisher before any restart, HAProxy restarted last', () => {
    const p = plan(cluster('15.0.1.10000-30', threeNodes, 1), { units: ['CallManager'] });
    const t = trace(stepsOf(p, 'CallManager'));
    assert.deepEqual(t.slice(0, 4), ['regenerate pub', 'regenerate sub1', 'regenerate sub2', 'update-ctl pub']);
    assert.deepEqual(t.slice(4, 19), [
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco CallManager@${n}`),
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco CTIManager@${n}`),
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco Trust Verification Service@${n}`),
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco Tftp@${n}`),
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco HAProxy@${n}`),
    ]);
    assert.ok(p.warnings.some((w) => /mixed mode.*utils ctl update CTLFile/.test(w)));
  });

  it('updates the CTL for CallManager in non-secure mode only when the CTL is used for 802.1X', () => {
    const c = cluster('14.0', threeNodes, 0);
    assert.ok(!trace(stepsOf(plan(c, { units: ['CallManager'] }), 'CallManager')).includes('update-ctl pub'));
    const with8021x = plan(c, { units: ['CallManager', 'CAPF'], ctlUsedFor8021x: true });
    assert.ok(trace(stepsOf(with8021x, 'CallManager')).includes('update-ctl pub'));
    assert.ok(!trace(stepsOf(with8021x, 'CAPF')).includes('update-ctl pub'), 'CAPF needs mixed mode');
  });

  it('CAPF on 14 is the publisher only: one regeneration, CAPF service on the publisher, TVS and TFTP everywhere', () => {
    const p = plan(cluster('14.0', threeNodes, 1), { units: ['CAPF'] });
    assert.deepEqual(trace(stepsOf(p, 'CAPF')), [
      'regenerate pub',
      'update-ctl pub',
      'restart Cisco Certificate Authority Proxy Function@pub',
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco Trust Verification Service@${n}`),
      ...['pub', 'sub1', 'sub2'].map((n) => `restart Cisco Tftp@${n}`),
      'verify-certificate pub',
      'reset-phones all',
      'await-registration',
    ]);
  });

  it('CAPF before 14 is regenerated on every CUCM node, the CAPF service restarted only where it runs', () => {
    const p = plan(cluster('12.5', threeNodes), { units: ['CAPF'] });
    const t = trace(stepsOf(p, 'CAPF'));
    assert.deepEqual(t.slice(0, 4), [
      'regenerate pub',
      'regenerate sub1',
      'regenerate sub2',
      'restart Cisco Certificate Authority Proxy Function@pub',
    ]);
    assert.ok(!t.includes('update-ctl pub'), 'non-secure: no CTL');
    assert.ok(t.includes('verify-certificate pub,sub1,sub2'));
  });

  it('ITLRecovery from 12.5 is regenerated on the publisher only; every node is checked for the new copy', () => {
    const p = plan(cluster('12.5', threeNodes, 1), { units: ['ITLRecovery'] });
    const t = trace(stepsOf(p, 'ITLRecovery'));
    assert.deepEqual(t.slice(0, 2), ['regenerate pub', 'update-ctl pub']);
    assert.ok(t.includes('verify-certificate pub,sub1,sub2'));
    const before = trace(stepsOf(plan(cluster('12.0', threeNodes), { units: ['ITLRecovery'] }), 'ITLRecovery'));
    assert.deepEqual(before.slice(0, 3), ['regenerate pub', 'regenerate sub1', 'regenerate sub2'], '12.0: each node');
  });

  it('ipsec: DRF Master on the publisher, DRF Local publisher then subscribers, the ipsec-trust checked, no phones', () => {
    const p = plan(cluster('14.0', threeNodes), { units: ['ipsec'] });
    assert.deepEqual(trace(stepsOf(p, 'ipsec')), [
      'regenerate pub',
      'regenerate sub1',
      'regenerate sub2',
      'restart Cisco DRF Master@pub',
      'restart Cisco DRF Local@pub',
      'restart Cisco DRF Local@sub1',
      'restart Cisco DRF Local@sub2',
      'verify-certificate pub,sub1,sub2',
      'verify-ipsec-trust pub->sub1,sub2',
    ]);
  });

  it('a CA-signed tomcat is renewed through the CA, never silently regenerated self-signed', () => {
    const c = cluster('14.0', [
      { id: 'pub', caSigned: ['tomcat'] },
      { id: 'sub1' },
      { id: 'sub2', caSigned: ['tomcat'] },
    ]);
    const p = plan(c, { units: ['tomcat'] });
    const t = trace(stepsOf(p, 'tomcat'));
    assert.deepEqual(t.slice(0, 2), ['ca-signed-renewal pub,sub2', 'regenerate sub1']);
    assert.ok(!t.includes('regenerate pub') && !t.includes('regenerate sub2'));
    assert.ok(p.warnings.some((w) => /tomcat is CA-signed on pub, sub2/.test(w)));
    const renewal = stepsOf(p, 'tomcat')[0];
    assert.match(renewal?.reason ?? '', /Corp Issuing CA/);
  });

  it('skips services that are not Started, and says so', () => {
    const c = cluster('14.0', [
      { id: 'pub' },
      { id: 'sub1', services: { 'Cisco Tftp': 'STOPPED', 'Cisco CallManager': 'STOPPED' } },
      { id: 'sub2', services: { 'Cisco Trust Verification Service': 'STARTING' } },
    ]);
    const t = trace(stepsOf(plan(c, { units: ['TVS'] }), 'TVS'));
    assert.deepEqual(
      t.filter((s) => s.startsWith('restart')),
      [
        'restart Cisco Trust Verification Service@pub',
        'restart Cisco Trust Verification Service@sub1',
        'restart Cisco Tftp@pub',
        'restart Cisco Tftp@sub2',
      ],
    );
    const warnings = buildPlan(c, { units: ['TVS'] }).warnings;
    assert.ok(warnings.some((w) => /Cisco Trust Verification Service is not Started on sub2 \(STARTING\)/.test(w)));
    assert.ok(warnings.some((w) => /Cisco Tftp is not Started on sub1 \(STOPPED/.test(w)));
  });

  it('phone reset "none": an engineer resets the phones and confirms, then the plan waits for them', () => {
    const p = plan(cluster('14.0', threeNodes), { units: ['CallManager'], phoneReset: 'none' });
    assert.deepEqual(trace(stepsOf(p, 'CallManager')).slice(-2), ['confirm-phones-reset', 'await-registration']);
  });

  it('phone reset "secure-only" is accepted for CAPF in mixed mode only, refused where the ITL changes', () => {
    const mixed = plan(cluster('14.0', threeNodes, 1), { units: ['CAPF'], phoneReset: 'secure-only' });
    assert.deepEqual(mixed.refusals, []);
    assert.deepEqual(trace(stepsOf(mixed, 'CAPF')).slice(-2), ['reset-phones secure-only', 'await-registration']);
    const callManager = buildPlan(cluster('14.0', threeNodes, 1), {
      units: ['CallManager'],
      phoneReset: 'secure-only',
    });
    assert.deepEqual(codes(callManager), ['PHONE_RESET_SECURE_ONLY_NOT_APPLICABLE']);
    assert.match(callManager.refusals[0]?.message ?? '', /Use phone reset "all"/);
    const nonSecure = buildPlan(cluster('14.0', threeNodes, 0), { units: ['CAPF'], phoneReset: 'secure-only' });
    assert.deepEqual(codes(nonSecure), ['PHONE_RESET_SECURE_ONLY_NOT_APPLICABLE']);
    assert.deepEqual(
      buildPlan(cluster('14.0', threeNodes), { units: ['tomcat'], phoneReset: 'secure-only' }).refusals,
      [],
    );
  });

  it('IM&P nodes get tomcat and ipsec only, and Tomcat is restarted on them too', () => {
    const c = cluster('14.0', [{ id: 'pub' }, { id: 'imp1', product: 'cups' }]);
    const p = plan(c, { units: ['tomcat', 'CallManager'] });
    assert.ok(trace(stepsOf(p, 'tomcat')).includes('restart Cisco Tomcat@imp1'));
    assert.ok(!trace(stepsOf(p, 'CallManager')).some((s) => s.includes('imp1')));
  });

  it('takes the publisher first even when discovery lists it later', () => {
    const c = cluster('14.0', [
      { id: 'sub1', role: 'subscriber' },
      { id: 'pub', role: 'publisher' },
    ]);
    assert.deepEqual(trace(stepsOf(plan(c, { units: ['tomcat'] }), 'tomcat')).slice(0, 2), [
      'regenerate pub',
      'regenerate sub1',
    ]);
  });

  it('before 12.0, notes that deleting trust certificates needs Certificate Change Notification stopped', () => {
    const p = plan(cluster('11.5', threeNodes), { units: ['tomcat'] });
    assert.ok(p.warnings.some((w) => /stop Cisco Certificate Change Notification/.test(w)));
  });

  describe('refusals', () => {
    const c = cluster('14.0', threeNodes);
    const cases: Array<[string, PlanCluster, PlanRequest, string, RegExp]> = [
      ['an empty request', c, { units: [] }, 'EMPTY_REQUEST', /at least one unit/],
      ['a unit twice', c, { units: ['tomcat', 'tomcat'] }, 'DUPLICATE_UNIT', /more than once/],
      [
        'tomcat-ECDSA on 10.5',
        cluster('10.5.2', threeNodes),
        { units: ['tomcat-ECDSA'] },
        'UNIT_NOT_IN_VERSION',
        /11\.0/,
      ],
      [
        'a unit no node holds',
        cluster('14.0', [{ id: 'pub', missing: ['TVS'] }]),
        { units: ['TVS'] },
        'UNIT_NOT_HELD',
        /show cert list own/,
      ],
      [
        'ITLRecovery on 12.5 when the publisher lacks it',
        cluster('12.5', [{ id: 'pub', missing: ['ITLRecovery'] }, { id: 'sub1' }]),
        { units: ['ITLRecovery'] },
        'UNIT_NOT_REGENERATABLE',
        /publisher only/,
      ],
      [
        'a version below 10.5',
        cluster('9.1.2', threeNodes),
        { units: ['tomcat'] },
        'UNSUPPORTED_VERSION',
        /older than 10\.5/,
      ],
      ['an unknown unit', c, { units: ['Tomcat' as CertificateUnit] }, 'UNKNOWN_UNIT', /use one of tomcat/],
      [
        'a cluster without a publisher',
        { ...c, nodes: c.nodes.map((n) => ({ ...n, role: 'subscriber' as const })) },
        { units: ['tomcat'] },
        'NO_SINGLE_PUBLISHER',
        /exactly one/,
      ],
    ];
    for (const [what, cl, request, code, message] of cases)
      it(`refuses ${what} (${code})`, () => {
        const p = buildPlan(cl, request);
        const refusal = p.refusals.find((r) => r.code === code);
        assert.ok(refusal, `expected ${code}, got ${codes(p).join(', ') || 'none'}`);
        assert.match(refusal.message, message);
        assert.deepEqual(checkPlanInvariants(cl, request, p), []);
      });

    it('lists the plan of a refused request for a dry run, with no refusal-free execution possible', () => {
      const p = buildPlan(cluster('14.0', threeNodes), { units: ['CallManager', 'TVS'], phoneReset: 'secure-only' });
      assert.deepEqual(
        p.units.map((u) => u.unit),
        ['CallManager', 'TVS'],
      );
      assert.equal(p.refusals.length, 2);
    });
  });

  describe('the invariant guard', () => {
    const c = cluster('14.0', threeNodes, 1);
    const request: PlanRequest = { units: ['tomcat', 'CallManager'] };
    const good = () => structuredClone(buildPlan(c, request));
    const tamper = (edit: (p: Plan) => void): string[] => {
      const p = good();
      edit(p);
      return checkPlanInvariants(c, request, p);
    };
    const callManager = (p: Plan) => p.units[1]!.steps;

    it('accepts the plan buildPlan made', () => assert.deepEqual(checkPlanInvariants(c, request, good()), []));

    it('catches units out of the safe order', () => {
      assert.match(tamper((p) => p.units.reverse()).join('\n'), /safe order/);
    });

    it('catches a phone-affecting unit that does not wait for registration', () => {
      assert.match(tamper((p) => callManager(p).pop()).join('\n'), /await-registration/);
    });

    it('catches a restart of a service that is not Started', () => {
      const stopped = structuredClone(c);
      stopped.nodes[2]!.services.find((s) => s.name === SERVICE.tftp)!.state = 'STOPPED';
      assert.match(
        checkPlanInvariants(stopped, request, good()).join('\n'),
        /Cisco Tftp on sub2, where it is not Started/,
      );
    });

    it('catches a CTL update after the restarts', () => {
      const problems = tamper((p) => {
        const steps = callManager(p);
        const i = steps.findIndex((s) => s.kind === 'update-ctl');
        steps.splice(i + 2, 0, ...steps.splice(i, 1));
      });
      assert.match(problems.join('\n'), /restart-service comes after|update-ctl comes after/);
    });

    it('catches a self-signed regeneration of a CA-signed certificate', () => {
      const ca = structuredClone(c);
      ca.nodes[1]!.certificates.find((x) => x.unit === 'tomcat')!.selfSigned = false;
      assert.match(checkPlanInvariants(ca, request, good()).join('\n'), /CA-signed certificate on sub1/);
    });
  });

  it('uses the service names the simulator (and CUCM) prints', () => {
    const shared = Object.keys(PLAN_SERVICE).filter((key) => key in SERVICE);
    assert.ok(shared.length >= Object.keys(PLAN_SERVICE).length - 1, 'only the SSO Tomcat is unknown to the simulator');
    for (const key of shared)
      assert.equal(PLAN_SERVICE[key as keyof typeof PLAN_SERVICE], SERVICE[key as keyof typeof SERVICE]);
  });

  it('restarts Tomcat on every node after ipsec from 15 (TN 214231 rev 7.0); a run started before that revision keeps its plan', () => {
    const restarts = (version: string, options?: { ipsecTomcatRestart: boolean }) =>
      buildPlan(cluster(version, threeNodes), { units: ['ipsec'] }, options).units[0]!.steps.flatMap((s) =>
        s.kind === 'restart-service' ? [`${s.service}@${s.nodeId}`] : [],
      );
    const drf = ['Cisco DRF Master@pub', 'Cisco DRF Local@pub', 'Cisco DRF Local@sub1', 'Cisco DRF Local@sub2'];
    const tomcat = ['Cisco Tomcat@pub', 'Cisco Tomcat@sub1', 'Cisco Tomcat@sub2'];
    assert.deepEqual(restarts('15.0.1.10000-34'), [...drf, ...tomcat]);
    assert.deepEqual(restarts('14.0.1.13900-155'), drf);
    assert.deepEqual(restarts('15.0.1.10000-34', { ipsecTomcatRestart: false }), drf);
    const old = cluster('15.0.1.10000-34', threeNodes);
    const plan = buildPlan(old, { units: ['ipsec'] }, { ipsecTomcatRestart: false });
    assert.deepEqual(checkPlanInvariants(old, { units: ['ipsec'] }, plan, { ipsecTomcatRestart: false }), []);
    assert.notDeepEqual(checkPlanInvariants(old, { units: ['ipsec'] }, plan), []);
  });
});
