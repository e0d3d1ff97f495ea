/**
 * Property-based: generated clusters (a publisher, maybe a TFTP node, 1-7 call-processing subscribers, IM&P now
 * and then; CallManager groups of 1-3 members in any order, device pools on some of them, services Started or not)
 * planned with restartStrategy redundancy-groups. On every plan, checked here without the plan's own helpers: no
 * phone's primary and backup restart together, the publisher first and alone, TFTP still one node at a time, every
 * Started service restarted once in the procedure's service order, the phones awaited after each CallManager batch that another follows;
 * the guard agrees; serial plans are untouched.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildPlan,
  checkPlanInvariants,
  type PlanCluster,
  type PlanNode,
  type PlanRequest,
  type PlanStep,
} from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';

const CM = 'Cisco CallManager';
const CTI = 'Cisco CTIManager';
const TVS = 'Cisco Trust Verification Service';
const TFTP = 'Cisco Tftp';
/** The restarts after CallManager, in TN 214231's order (written out: not imported from the code under test). */
const CALLMANAGER_SERVICE_ORDER = [CM, CTI, TVS, TFTP, 'Cisco HAProxy'];

const state = fc.constantFrom('STARTED', 'STARTED', 'STARTED', 'STOPPED');

const clusterArb = fc
  .record({
    version: fc.constantFrom('11.5.1.21900-40', '12.5.1.16900-48', '14.0.1.13900-155', '15.0.1.10000-30'),
    securityMode: fc.constantFrom<0 | 1>(0, 1),
    publisherCallProcessing: fc.boolean(),
    tftpNode: fc.boolean(),
    subscribers: fc.array(fc.record({ cm: state, tvs: state, tftp: state, cups: fc.boolean() }), {
      minLength: 1,
      maxLength: 7,
    }),
    groupSeeds: fc.array(fc.array(fc.nat(20), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
    poolSeeds: fc.array(fc.nat(20), { minLength: 0, maxLength: 8 }),
    units: fc.subarray<CertificateUnit>(['tomcat', 'CAPF', 'CallManager', 'ITLRecovery', 'TVS'], { minLength: 1 }),
  })
  .map((g): { cluster: PlanCluster; units: CertificateUnit[] } => {
    const svc = (name: string, s: string) => ({ name, state: s });
    const certs = (units: CertificateUnit[]) =>
      units.map((unit) => ({ unit, serial: `${unit}-1`, selfSigned: true, issuer: unit, notAfter: '2030-01-01' }));
    const cmUnits: CertificateUnit[] = ['tomcat', 'ipsec', 'CallManager', 'TVS'];
    const pub: PlanNode = {
      id: 'pub',
      role: 'publisher',
      product: 'callmanager',
      services: [
        svc('Cisco Tomcat', 'STARTED'),
        svc('Cisco Certificate Authority Proxy Function', 'STARTED'),
        ...(g.publisherCallProcessing
          ? [svc(CM, 'STARTED'), svc(CTI, 'STARTED'), svc(TVS, 'STARTED'), svc(TFTP, 'STARTED')]
          : [svc(TVS, 'STARTED')]),
      ],
      certificates: certs([...cmUnits, 'CAPF', 'ITLRecovery']),
    };
    const nodes: PlanNode[] = [pub];
    if (g.tftpNode)
      nodes.push({
        id: 'tftp',
        role: 'subscriber',
        product: 'callmanager',
        services: [svc('Cisco Tomcat', 'STARTED'), svc(TFTP, 'STARTED'), svc(TVS, 'STARTED')],
        certificates: certs([...cmUnits, 'ITLRecovery']),
      });
    g.subscribers.forEach((s, i) =>
      nodes.push(
        s.cups
          ? {
              id: `imp${i + 1}`,
              role: 'subscriber',
              product: 'cups',
              services: [svc('Cisco Tomcat', 'STARTED')],
              certificates: certs(['tomcat', 'ipsec']),
            }
          : {
              id: `sub${i + 1}`,
              role: 'subscriber',
              product: 'callmanager',
              services: [
                svc('Cisco Tomcat', 'STARTED'),
                svc(CM, s.cm),
                svc(CTI, s.cm),
                svc(TVS, s.tvs),
                svc(TFTP, s.tftp),
              ],
              certificates: certs([...cmUnits, 'ITLRecovery']),
            },
      ),
    );
    const callManagers = nodes.filter((n) => n.product === 'callmanager' && n.services.some((x) => x.name === CM));
    const groups = g.groupSeeds.map((seeds, i) => ({
      name: `G${i + 1}`,
      members: [...new Set(seeds.map((x) => callManagers[x % callManagers.length]?.id ?? 'pub'))],
    }));
    const devicePools = g.poolSeeds.map((x, i) => ({
      name: `DP${i + 1}`,
      callManagerGroup: `G${(x % groups.length) + 1}`,
    }));
    return {
      cluster: {
        clusterId: 'c1',
        version: g.version,
        securityMode: g.securityMode,
        itlSigner: 'ITLRecovery',
        nodes,
        redundancy: { groups, devicePools },
      },
      units: g.units,
    };
  });

type Batch = Extract<PlanStep, { kind: 'restart-batch' }>;
interface Restart {
  service: string;
  nodeIds: string[];
  step: PlanStep;
}
const restartsOf = (steps: PlanStep[]): Restart[] =>
  steps.flatMap((s): Restart[] =>
    s.kind === 'restart-service'
      ? [{ service: s.service, nodeIds: [s.nodeId], step: s }]
      : s.kind === 'restart-batch'
        ? [{ service: s.service, nodeIds: s.nodeIds, step: s }]
        : [],
  );

/** The groups phones use: those of the device pools; all of them when no pool was read. */
function phoneGroups(cluster: PlanCluster) {
  const r = cluster.redundancy!;
  if (r.devicePools.length === 0) return r.groups;
  return r.groups.filter((g) => r.devicePools.some((p) => p.callManagerGroup === g.name));
}

describe('redundancy-groups restart plan (properties)', () => {
  it('never restarts a phone’s primary and its backup together, and keeps the procedure’s rules', () => {
    fc.assert(
      fc.property(clusterArb, ({ cluster, units }) => {
        const request: PlanRequest = { units, restartStrategy: 'redundancy-groups' };
        const plan = buildPlan(cluster, request);
        assert.deepEqual(plan.refusals, []);
        assert.deepEqual(checkPlanInvariants(cluster, request, plan), []);
        for (const { unit, steps } of plan.units) {
          const restarts = restartsOf(steps);
          // No phone's primary and backup in one restart of the same service.
          for (const r of restarts)
            for (const g of phoneGroups(cluster)) {
              const [primary, ...backups] = g.members;
              if (primary && r.nodeIds.includes(primary))
                for (const b of backups)
                  assert.ok(!r.nodeIds.includes(b), `${unit}: ${r.service} restarts ${primary} and ${b} of ${g.name}`);
            }
          // Services in the procedure's order; each Started node exactly once per service; publisher first and alone.
          const services = [...new Set(restarts.map((r) => r.service))];
          if (unit === 'CallManager') {
            const order = services.map((s) => CALLMANAGER_SERVICE_ORDER.indexOf(s));
            assert.deepEqual(
              order,
              [...order].sort((a, b) => a - b),
              `${unit}: services out of order`,
            );
          }
          for (const service of services) {
            const ofService = restarts.filter((r) => r.service === service);
            const ids = ofService.flatMap((r) => r.nodeIds);
            const started = cluster.nodes
              .filter((n) => n.services.some((x) => x.name === service && x.state === 'STARTED'))
              .map((n) => n.id);
            assert.deepEqual([...ids].sort(), [...started].sort(), `${unit}: ${service} restarted where Started, once`);
            if (ids.includes('pub')) assert.deepEqual(ofService[0]?.nodeIds, ['pub'], `${service}: publisher first`);
            // The services restarted in sequence stay one node at a time, in node order (TFTP, CTIManager, ...).
            if (service !== CM && service !== TVS) {
              assert.ok(
                ofService.every((r) => r.step.kind === 'restart-service'),
                `${service} is batched`,
              );
              const index = ids.map((id) => cluster.nodes.findIndex((n) => n.id === id));
              assert.deepEqual(
                index,
                [...index].sort((a, b) => a - b),
                `${service} out of node order`,
              );
            }
          }
          // The phones come back after every CallManager batch, before the next one.
          for (const s of steps.filter((x): x is Batch => x.kind === 'restart-batch'))
            assert.equal(s.awaitPhones, s.service === CM && s.batch < s.batches);
        }
        // The serial plan of the same cluster has no batch, and is the default.
        const serial = buildPlan(cluster, { units, restartStrategy: 'serial' });
        assert.deepEqual(serial, buildPlan(cluster, { units }));
        assert.ok(serial.units.every((u) => u.steps.every((s) => s.kind !== 'restart-batch')));
      }),
      { numRuns: 500 },
    );
  });

  it('the guard refuses a batch that restarts a primary with its backup, or batches without the option', () => {
    fc.assert(
      fc.property(clusterArb, ({ cluster, units }) => {
        const request: PlanRequest = { units: ['CallManager'], restartStrategy: 'redundancy-groups' };
        const plan = buildPlan(cluster, request);
        const group = phoneGroups(cluster).find((g) => g.members.length > 1 && !g.members.includes('pub'));
        const cmSteps = plan.units[0]?.steps.filter((s): s is Batch => s.kind === 'restart-batch' && s.service === CM);
        if (!group || !cmSteps || cmSteps.length === 0) return;
        const [a, b] = group.members as [string, string];
        const merged = cmSteps.map((s) => ({ ...s, nodeIds: s.nodeIds.filter((id) => id !== b) }));
        const target = merged.find((s) => s.nodeIds.includes(a));
        if (!target) return;
        target.nodeIds.push(b);
        const bad = {
          ...plan,
          units: plan.units.map((u) => ({
            ...u,
            steps: u.steps.flatMap((s) =>
              s.kind === 'restart-batch' && s.service === CM
                ? merged.filter((m) => m.batch === s.batch && m.nodeIds.length > 0)
                : [s],
            ),
          })),
        };
        assert.ok(checkPlanInvariants(cluster, request, bad).some((v) => v.includes('together')));
        assert.ok(checkPlanInvariants(cluster, { units: ['CallManager'] }, plan).length > 0 || cmSteps.length === 0);
        void units;
      }),
      { numRuns: 300 },
    );
  });

  it('an 8-node cluster of CallManager pairs restarts CallManager in two batches (the publisher runs none) and TVS publisher first', () => {
    const svc = (name: string) => ({ name, state: 'STARTED' });
    const cert = (unit: CertificateUnit) => ({
      unit,
      serial: '1',
      selfSigned: true,
      issuer: unit,
      notAfter: '2030-01-01',
    });
    const cmNode = (id: string): PlanNode => ({
      id,
      role: 'subscriber',
      product: 'callmanager',
      services: [svc(CM), svc(CTI), svc(TVS)],
      certificates: [cert('CallManager'), cert('TVS')],
    });
    const cluster: PlanCluster = {
      clusterId: 'c8',
      version: '14.0.1.13900-155',
      securityMode: 0,
      itlSigner: 'ITLRecovery',
      nodes: [
        { ...cmNode('pub'), role: 'publisher', services: [svc(TVS)] },
        { ...cmNode('tftp'), services: [svc(TFTP), svc(TVS)] },
        ...['a1', 'b1', 'a2', 'b2', 'a3', 'b3'].map(cmNode),
      ],
      redundancy: {
        groups: [1, 2, 3].flatMap((i) => [
          { name: `G${i}a`, members: [`a${i}`, `b${i}`] },
          { name: `G${i}b`, members: [`b${i}`, `a${i}`] },
        ]),
        devicePools: [1, 2, 3].flatMap((i) => [
          { name: `DP${i}a`, callManagerGroup: `G${i}a` },
          { name: `DP${i}b`, callManagerGroup: `G${i}b` },
        ]),
      },
    };
    const request: PlanRequest = { units: ['CallManager'], restartStrategy: 'redundancy-groups' };
    const plan = buildPlan(cluster, request);
    assert.deepEqual(checkPlanInvariants(cluster, request, plan), []);
    const batches = plan.units[0]!.steps.flatMap((s) =>
      s.kind === 'restart-batch' ? [`${s.service}: ${s.nodeIds.join(',')}`] : [],
    );
    assert.deepEqual(batches, [
      `${CM}: a1,a2,a3`,
      `${CM}: b1,b2,b3`,
      `${TVS}: pub`,
      `${TVS}: tftp,a1,a2,a3`,
      `${TVS}: b1,b2,b3`,
    ]);
  });
});
