/**
 * The Unified CCX step (TN 214231, tomcat section, step 5): only after tomcat or tomcat-ECDSA, only on a cluster
 * whose inventory names UCCX nodes, after the unit is verified on CUCM; CA-signed tomcat uploads the chain; the
 * inventory's uccxNodes are validated with errors that name the cluster and the field; the manual actions say it.
 */
import assert from 'node:assert/strict';
import { UCCX_SERVICES } from '../../simulator/facts';
import { defaultServices } from '../../simulator/services';
import { parseInventory } from '../../inventory/load';
import { parseCucmVersion, unitsOnNode } from '../../domain/cucm-version';
import { manualActionsFor } from '../../workflows/manual-actions';
import { buildPlan, checkPlanInvariants, PLAN_UNIT_ORDER, type PlanCluster, type PlanNode } from '../../domain/plan';
import { UCCX_TRUST_RESTARTS } from '../../domain/plan/rules';
import type { CertificateUnit } from '../../domain/units';

function cluster(opts: { uccx?: string[]; caSigned?: CertificateUnit[] } = {}): PlanCluster {
  const version = '14.0.1.13900-155';
  const v = parseCucmVersion(version);
  const nodes = ['pub', 'sub1'].map((id, i): PlanNode => {
    const role = i === 0 ? 'publisher' : 'subscriber';
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
        selfSigned: !opts.caSigned?.includes(unit),
        issuer: opts.caSigned?.includes(unit) ? 'CN=Corp Issuing CA' : `CN=${id}`,
        notAfter: '2030-01-01T00:00:00Z',
      })),
    };
  });
  return {
    clusterId: 'lab',
    version,
    securityMode: 0,
    itlSigner: 'ITLRecovery',
    nodes,
    ...(opts.uccx ? { uccxNodes: opts.uccx } : {}),
  };
}

const kinds = (c: PlanCluster, unit: CertificateUnit) => {
  const request = { units: [unit] };
  const plan = buildPlan(c, request);
  assert.deepEqual(plan.refusals, []);
  assert.deepEqual(checkPlanInvariants(c, request, plan), []);
  return plan.units[0]?.steps ?? [];
};

describe('plan: Unified CCX trusts the new tomcat', () => {
  it('after tomcat and tomcat-ECDSA, one uccx-trust step per UCCX node, after verification, citing the TN', () => {
    for (const unit of ['tomcat', 'tomcat-ECDSA'] as const) {
      const steps = kinds(cluster({ uccx: ['uccx-pub', 'uccx-sub'] }), unit);
      const uccx = steps.filter((s) => s.kind === 'uccx-trust');
      assert.deepEqual(
        uccx.map((s) => s.kind === 'uccx-trust' && s.uccxNodeId),
        ['uccx-pub', 'uccx-sub'],
      );
      const verifyAt = steps.findIndex((s) => s.kind === 'verify-certificate');
      assert.ok(steps.findIndex((s) => s.kind === 'uccx-trust') > verifyAt, 'after the unit is verified on CUCM');
      const first = uccx[0];
      assert.ok(first?.kind === 'uccx-trust');
      assert.deepEqual(first.cucmNodeIds, ['pub', 'sub1']);
      assert.equal(first.caSigned, false);
      assert.deepEqual(first.services, [
        'Cisco Tomcat',
        'Cisco Unified CCX Notification Service',
        'Cisco Finesse Tomcat',
      ]);
      assert.match(first.reason, /TN 214231 \(tomcat, step 5\)/);
      assert.match(first.reason, /set cert import trust tomcat/);
      assert.match(first.reason, /Finesse desktop logins fail/);
    }
  });

  it('no uccx-trust step for any other unit, nor without UCCX nodes, nor for a run started before the patch', () => {
    for (const unit of PLAN_UNIT_ORDER.filter((u) => u !== 'tomcat' && u !== 'tomcat-ECDSA'))
      assert.ok(!kinds(cluster({ uccx: ['uccx-pub'] }), unit).some((s) => s.kind === 'uccx-trust'), unit);
    assert.ok(!kinds(cluster(), 'tomcat').some((s) => s.kind === 'uccx-trust'));
    assert.ok(!kinds(cluster({ uccx: [] }), 'tomcat').some((s) => s.kind === 'uccx-trust'));
    const old = buildPlan(cluster({ uccx: ['uccx-pub'] }), { units: ['tomcat'] }, { uccxTrust: false });
    assert.ok(!old.units[0]?.steps.some((s) => s.kind === 'uccx-trust'));
  });

  it("restarts what the simulator's own UCCX table says reads tomcat-trust (two statements, one list)", () => {
    assert.deepEqual(
      [...UCCX_TRUST_RESTARTS].sort(),
      UCCX_SERVICES.filter((s) => s.readsTomcatTrust)
        .map((s) => s.name)
        .sort(),
    );
  });

  it('CA-signed tomcat: the step uploads the CA chain instead of the leaves', () => {
    const [step] = kinds(cluster({ uccx: ['uccx-pub'], caSigned: ['tomcat'] }), 'tomcat').filter(
      (s) => s.kind === 'uccx-trust',
    );
    assert.ok(step?.kind === 'uccx-trust');
    assert.equal(step.caSigned, true);
    assert.match(step.reason, /root and intermediate CA certificates/);
  });

  it('a run that ended early after tomcat changed lists the UCCX upload as a manual action', () => {
    const steps = kinds(cluster({ uccx: ['uccx-pub'] }), 'tomcat');
    const progress = steps.map((s) => (s.kind === 'regenerate' ? ('done' as const) : ('not-run' as const)));
    const actions = manualActionsFor({ unit: 'tomcat', steps, progress });
    const uccx = actions.find((a) => a.includes('Unified CCX uccx-pub'));
    assert.ok(uccx, actions.join('\n'));
    assert.match(uccx, /set cert import trust tomcat/);
    assert.match(
      uccx,
      /utils service restart Cisco Tomcat, then Cisco Unified CCX Notification Service, then Cisco Finesse Tomcat/,
    );
  });
});

describe('inventory: uccxNodes', () => {
  const base = (uccxNodes: unknown, extra: Record<string, unknown> = {}) => ({
    clusters: [
      {
        id: 'lab',
        nodes: [{ id: 'pub', role: 'publisher', host: '10.0.0.1', sshHostKeySha256: 'SHA256:abc' }],
        credentials: { osAdmin: { username: 'admin', passwordRef: 'env:CUCM_PW' } },
        uccxNodes,
        ...extra,
      },
    ],
  });
  const uccx = {
    id: 'uccx-pub',
    host: '10.0.0.9',
    sshHostKeySha256: 'SHA256:def',
    osAdmin: { username: 'admin', passwordRef: 'env:UCCX_PW' },
  };

  it('accepts UCCX nodes with secret references, defaulting the SSH port', () => {
    const inv = parseInventory(base([uccx]));
    assert.deepEqual(inv.clusters[0]?.uccxNodes, [{ ...uccx, sshPort: 22 }]);
    assert.equal(parseInventory(base(undefined)).clusters[0]?.uccxNodes, undefined);
  });

  it('refuses bad entries naming the cluster and the field', () => {
    const refused = (raw: unknown, message: RegExp) => assert.throws(() => parseInventory(raw), message);
    refused(base({}), /cluster "lab" uccxNodes: must be a list/);
    refused(
      base([{ ...uccx, osAdmin: { username: 'admin', password: 'secret' } }]),
      /cluster "lab" uccxNodes\[0\]\.osAdmin: put a secret reference in "passwordRef"/,
    );
    refused(
      base([{ ...uccx, sshHostKeySha256: undefined }]),
      /cluster "lab" uccxNodes\[0\]\.sshHostKeySha256: is required while the cluster's hostKeyPolicy is "pinned"/,
    );
    refused(base([{ ...uccx, id: 'pub' }]), /cluster "lab" uccxNodes\[0\]\.id: "pub" is also a CUCM node/);
    refused(base([uccx, uccx]), /cluster "lab" uccxNodes\[1\]\.id: "uccx-pub" is listed twice/);
    refused(base([{ ...uccx, sshPort: 0 }]), /cluster "lab" uccxNodes\[0\]\.sshPort: must be a port number/);
    refused(base([{ ...uccx, password: 'x' }]), /cluster "lab" uccxNodes\[0\]: unknown field "password"/);
    assert.ok(
      parseInventory(base([{ ...uccx, sshHostKeySha256: undefined }], { hostKeyPolicy: 'record-on-first-use' })),
    );
  });
});
