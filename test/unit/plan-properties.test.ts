/**
 * Property-based: thousands of generated clusters (versions 10.5-15, both security modes, 1-8 nodes with IM&P
 * subscribers, random service states, CA-signed and missing certificates, the odd stray certificate, the ITL re-signed
 * by CallManager after a reset) and requests (unit subsets, duplicates, phone reset modes, 802.1X), and on every
 * plan the safety rules of TN 214231, each checked here independently of the plan's own guard, and the guard too.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  itlSigner,
  parseCucmVersion,
  regeneratableOnNode,
  unitsOnNode,
  type NodeProduct,
} from '../../domain/cucm-version';
import {
  buildPlan,
  checkPlanInvariants,
  PLAN_SERVICE,
  type Plan,
  type PlanCluster,
  type PlanNode,
  type PlanRequest,
  type PlanStep,
} from '../../domain/plan';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../../domain/units';

const RUNS = 2000;
const VERSIONS = [
  '10.5.2.15900-8',
  '11.5.1.21900-40',
  '12.0.1.10000-10',
  '12.5.1.16900-48',
  '14.0.1.13900-155',
  '15.0.1.10000-30',
];
/** Written out here rather than imported, so the test does not trust the code under test for it. */
const SAFE_ORDER: CertificateUnit[] = [
  'tomcat',
  'tomcat-ECDSA',
  'ipsec',
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'ITLRecovery',
  'TVS',
];
const PHONE_UNITS: CertificateUnit[] = ['CAPF', 'CallManager', 'CallManager-ECDSA', 'ITLRecovery', 'TVS'];
const CALLMANAGER: CertificateUnit[] = ['CallManager', 'CallManager-ECDSA'];
const SERVICES = [...Object.values(PLAN_SERVICE), 'Cisco Certificate Change Notification', 'A Cisco DB'];

const serviceState = fc.constantFrom('STARTED', 'STARTED', 'STARTED', 'STOPPED', 'STARTING', 'absent');
const certificateState = fc.oneof(
  { weight: 12, arbitrary: fc.constant('self' as const) },
  { weight: 2, arbitrary: fc.constant('ca' as const) },
  { weight: 1, arbitrary: fc.constant('absent' as const) },
);

const nodeShape = (role: 'publisher' | 'subscriber') =>
  fc.record({
    role: fc.constant(role),
    product:
      role === 'publisher'
        ? fc.constant<NodeProduct>('callmanager')
        : fc.constantFrom<NodeProduct>('callmanager', 'callmanager', 'cups'),
    services: fc.tuple(...SERVICES.map(() => serviceState)),
    certificates: fc.tuple(...CERTIFICATE_UNITS.map(() => certificateState)),
    /** A certificate the version says the node should not have (e.g. CAPF left on a 14 subscriber). */
    stray: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...CERTIFICATE_UNITS) },
    ),
  });

type NodeShape = typeof nodeShape extends (r: never) => fc.Arbitrary<infer T> ? T : never;

function materialize(version: string, shape: NodeShape, index: number): PlanNode {
  const v = parseCucmVersion(version);
  const id = shape.role === 'publisher' ? 'pub' : `${shape.product === 'cups' ? 'imp' : 'sub'}${index}`;
  const held = unitsOnNode(v, shape.role, shape.product);
  const services = SERVICES.flatMap((name, i) => {
    const state = shape.services[i] ?? 'absent';
    if (state === 'absent') return [];
    return [{ name, state, reason: state === 'STOPPED' ? 'Service Not Activated' : undefined }];
  });
  const certificates = CERTIFICATE_UNITS.flatMap((unit, i) => {
    const state = held.includes(unit) ? shape.certificates[i] : shape.stray === unit ? 'self' : 'absent';
    if (state === undefined || state === 'absent') return [];
    const ca = state === 'ca';
    return [
      {
        unit,
        serial: `${id}-${unit}`,
        selfSigned: !ca,
        issuer: ca ? 'CN=Corp CA' : `CN=${id}`,
        notAfter: '2030-01-01',
      },
    ];
  });
  return { id, role: shape.role, product: shape.product, services, certificates };
}

const clusterArb: fc.Arbitrary<PlanCluster> = fc
  .record({
    version: fc.constantFrom(...VERSIONS),
    securityMode: fc.constantFrom<0 | 1>(0, 1),
    /** Mostly what the version says; sometimes what discovery found after `utils itl reset localkey` and the like. */
    signer: fc.constantFrom('derived', 'derived', 'derived', 'CallManager', 'ITLRecovery'),
    publisher: nodeShape('publisher'),
    subscribers: fc.array(nodeShape('subscriber'), { maxLength: 7 }),
    publisherListedLast: fc.oneof(
      { weight: 9, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  })
  .map(({ version, securityMode, signer, publisher, subscribers, publisherListedLast }) => {
    const pub = materialize(version, publisher, 0);
    const subs = subscribers.map((s, i) => materialize(version, s, i + 1));
    return {
      clusterId: 'prop',
      version,
      securityMode,
      itlSigner: signer === 'derived' ? itlSigner(parseCucmVersion(version)) : signer,
      nodes: publisherListedLast ? [...subs, pub] : [pub, ...subs],
    };
  });

const requestArb: fc.Arbitrary<PlanRequest> = fc
  .record({
    units: fc.oneof(
      { weight: 6, arbitrary: fc.shuffledSubarray([...CERTIFICATE_UNITS], { minLength: 1 }) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...CERTIFICATE_UNITS), { maxLength: 4 }) },
    ),
    phoneReset: fc.constantFrom(undefined, 'all' as const, 'secure-only' as const, 'none' as const),
    ctlUsedFor8021x: fc.constantFrom(undefined, false, true),
  })
  // fc.record builds null-prototype objects; a request from the API is a plain one.
  .map((request) => ({ ...request }));

const caseArb = fc.tuple(clusterArb, requestArb);

/** Runs a property over every generated (cluster, request) with its plan. */
function everyPlan(check: (cluster: PlanCluster, request: PlanRequest, plan: Plan) => void, runs = RUNS): void {
  fc.assert(
    fc.property(caseArb, ([cluster, request]) => check(cluster, request, buildPlan(cluster, request))),
    { numRuns: runs },
  );
}

const nodeOf = (cluster: PlanCluster, id: string) => cluster.nodes.find((n) => n.id === id);
const publisherOf = (cluster: PlanCluster) => cluster.nodes.find((n) => n.role === 'publisher') as PlanNode;
const certificateSteps = (steps: PlanStep[]) =>
  steps.filter((s) => s.kind === 'regenerate' || s.kind === 'ca-signed-renewal');
const nodesOf = (s: PlanStep): string[] =>
  s.kind === 'regenerate' ? [s.nodeId] : s.kind === 'ca-signed-renewal' ? s.nodeIds : [];

describe('regeneration plan properties', function () {
  this.timeout(60_000);

  it('the plan guard finds every plan sound', () => {
    everyPlan((cluster, request, plan) => assert.deepEqual(checkPlanInvariants(cluster, request, plan), []));
  });

  it('CallManager and TVS never overlap: with the ITL signed by CallManager, TVS starts after the phones are back', () => {
    everyPlan((cluster, _request, plan) => {
      const units = plan.units.map((u) => u.unit);
      if (plan.refusals.length > 0 || !units.includes('TVS')) return;
      const tvs = units.indexOf('TVS');
      for (const u of plan.units.filter((x) => CALLMANAGER.includes(x.unit))) {
        assert.ok(units.indexOf(u.unit) < tvs, `${u.unit} before TVS`);
        assert.equal(u.steps.at(-1)?.kind, 'await-registration', `${u.unit} ends with the phones back`);
        assert.ok(u.steps.every((s) => !('unit' in s) || s.unit !== 'TVS'));
      }
      if (cluster.itlSigner === 'CallManager' && units.some((u) => CALLMANAGER.includes(u)))
        assert.ok(plan.warnings.some((w) => /never regenerated together/.test(w)));
    });
  });

  it('units follow the safe order, TVS always last', () => {
    everyPlan((_cluster, _request, plan) => {
      const order = plan.units.map((u) => SAFE_ORDER.indexOf(u.unit));
      assert.ok(
        order.every((x, i) => i === 0 || x > (order[i - 1] as number)),
        plan.units.map((u) => u.unit).join(),
      );
      const tvs = plan.units.findIndex((u) => u.unit === 'TVS');
      assert.ok(tvs === -1 || tvs === plan.units.length - 1);
    });
  });

  it('the publisher goes first for every unit it regenerates, subscribers after it', () => {
    everyPlan((cluster, _request, plan) => {
      const pub = publisherOf(cluster);
      const v = parseCucmVersion(cluster.version);
      for (const { unit, steps } of plan.units) {
        const touched = certificateSteps(steps).flatMap(nodesOf);
        const pubRegenerates =
          pub.certificates.some((c) => c.unit === unit) &&
          regeneratableOnNode(v, 'publisher', 'callmanager').includes(unit);
        if (pubRegenerates) assert.equal(touched[0], pub.id, `${unit}: ${touched.join()}`);
        else assert.ok(!touched.includes(pub.id));
        assert.equal(new Set(touched).size, touched.length, `${unit}: a node twice`);
      }
    });
  });

  it('restarts only services that are Started on that node', () => {
    everyPlan((cluster, _request, plan) => {
      for (const step of plan.units.flatMap((u) => u.steps))
        if (step.kind === 'restart-service') {
          const state = nodeOf(cluster, step.nodeId)?.services.find((s) => s.name === step.service)?.state;
          assert.equal(state, 'STARTED', `${step.service} on ${step.nodeId}`);
        }
    });
  });

  it('regenerates only where the node holds the unit, may regenerate it, and it is self-signed; CA-signed ones are renewed', () => {
    everyPlan((cluster, _request, plan) => {
      const v = parseCucmVersion(cluster.version);
      for (const { unit, steps } of plan.units) {
        for (const step of steps) {
          if (step.kind !== 'regenerate') continue;
          const node = nodeOf(cluster, step.nodeId) as PlanNode;
          const certificate = node.certificates.find((c) => c.unit === unit);
          assert.ok(certificate, `${unit} regenerated on ${node.id}, which does not list it`);
          assert.equal(certificate.selfSigned, true, `${unit} on ${node.id} is CA-signed`);
          assert.ok(regeneratableOnNode(v, node.role, node.product as NodeProduct).includes(unit));
        }
        const renewed = steps.flatMap((s) => (s.kind === 'ca-signed-renewal' ? s.nodeIds : []));
        for (const node of cluster.nodes) {
          const ca = node.certificates.find((c) => c.unit === unit)?.selfSigned === false;
          const may = regeneratableOnNode(v, node.role, node.product as NodeProduct).includes(unit);
          assert.equal(renewed.includes(node.id), ca && may, `${unit} on ${node.id}: CA-signed ${ca}`);
        }
      }
    });
  });

  it('updates the CTL only in mixed mode (or for 802.1X), on the publisher, after regenerating and before restarting', () => {
    everyPlan((cluster, request, plan) => {
      for (const { unit, steps } of plan.units) {
        const i = steps.findIndex((s) => s.kind === 'update-ctl');
        const ctl = steps[i];
        const expected =
          cluster.securityMode === 1
            ? ['CAPF', 'ITLRecovery', ...CALLMANAGER].includes(unit)
            : request.ctlUsedFor8021x === true && CALLMANAGER.includes(unit);
        assert.equal(i >= 0, expected, `${unit}, mode ${cluster.securityMode}, 802.1X ${request.ctlUsedFor8021x}`);
        if (ctl?.kind !== 'update-ctl') continue;
        assert.equal(ctl.nodeId, publisherOf(cluster).id);
        assert.ok(steps.slice(0, i).every((s) => s.kind === 'regenerate' || s.kind === 'ca-signed-renewal'));
        assert.ok(!steps.slice(0, i).some((s) => s.kind === 'restart-service'));
      }
    });
  });

  it('each phone-affecting unit ends with a phone reset (or confirmation) then await-registration; the others touch no phone', () => {
    everyPlan((cluster, request, plan) => {
      for (const { unit, steps } of plan.units) {
        const kinds = steps.map((s) => s.kind);
        if (!PHONE_UNITS.includes(unit)) {
          assert.ok(!kinds.some((k) => ['reset-phones', 'confirm-phones-reset', 'await-registration'].includes(k)));
          continue;
        }
        assert.equal(kinds[kinds.length - 1], 'await-registration');
        const reset = steps[steps.length - 2];
        if (request.phoneReset === 'none') assert.equal(reset?.kind, 'confirm-phones-reset');
        else assert.equal(reset?.kind, 'reset-phones');
        if (reset?.kind === 'reset-phones' && reset.mode === 'secure-only')
          assert.ok(cluster.securityMode === 1 && unit === 'CAPF', `secure-only reset for ${unit}`);
      }
    });
  });

  it('is deterministic: the same input gives a deep-equal plan, and the input is left as it was', () => {
    fc.assert(
      fc.property(caseArb, ([cluster, request]) => {
        const before = structuredClone({ cluster, request });
        const plan = buildPlan(cluster, request);
        assert.deepEqual({ cluster, request }, before);
        assert.deepEqual(buildPlan(before.cluster, before.request), plan);
      }),
      { numRuns: RUNS },
    );
  });

  it('the guard notices any step removed, or any two neighbouring steps swapped, in a refusal-free plan', () => {
    const mutation = fc.record({ unit: fc.nat(), step: fc.nat(), swap: fc.boolean() });
    fc.assert(
      fc.property(caseArb, mutation, ([cluster, request], m) => {
        const plan = buildPlan(cluster, request);
        if (plan.refusals.length > 0 || plan.units.length === 0) return;
        const tampered = structuredClone(plan);
        const steps = (tampered.units[m.unit % tampered.units.length] as Plan['units'][number]).steps;
        const i = m.step % steps.length;
        if (m.swap && steps.length > 1) {
          const j = i === steps.length - 1 ? i - 1 : i + 1;
          [steps[i], steps[j]] = [steps[j] as PlanStep, steps[i] as PlanStep];
        } else steps.splice(i, 1);
        assert.notDeepEqual(checkPlanInvariants(cluster, request, tampered), []);
      }),
      { numRuns: RUNS },
    );
  });

  it('generates enough interesting cases to mean something', () => {
    const seen = { refusalFree: 0, callManagerWithTvs: 0, caRenewal: 0, skippedRestart: 0, ctl: 0, imp: 0, runs: 0 };
    everyPlan((_cluster, _request, plan) => {
      seen.runs++;
      const steps = plan.units.flatMap((u) => u.steps);
      if (plan.refusals.length === 0) seen.refusalFree++;
      const units = plan.units.map((u) => u.unit);
      if (plan.refusals.length === 0 && units.includes('TVS') && units.includes('CallManager'))
        seen.callManagerWithTvs++;
      if (steps.some((s) => s.kind === 'ca-signed-renewal')) seen.caRenewal++;
      if (plan.warnings.some((w) => /is not Started on/.test(w))) seen.skippedRestart++;
      if (steps.some((s) => s.kind === 'update-ctl')) seen.ctl++;
      if (steps.some((s) => s.kind === 'regenerate' && s.nodeId.startsWith('imp'))) seen.imp++;
    });
    assert.ok(seen.refusalFree > seen.runs * 0.15, JSON.stringify(seen));
    for (const [what, count] of Object.entries(seen))
      assert.ok(count > seen.runs * 0.01, `${what}: ${JSON.stringify(seen)}`);
  });
});
