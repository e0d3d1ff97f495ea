/**
 * Two statements of CUCM's facts, checked against each other: the product's plan rules (domain/cucm-version.ts,
 * domain/units.ts, domain/plan/*) and the simulator's own tables (simulator/facts/*, each row citing its
 * source). Neither side imports the other; this test imports both. Where they disagree, one of them is wrong about
 * CUCM: settle it from the source the simulator's row cites, and fix that side.
 *
 * The plan is checked through buildPlan itself, on clusters laid out from the simulator's tables, for every release,
 * security mode, role and product the simulator describes.
 */
import assert from 'node:assert/strict';
import { SSH_ALGORITHMS } from '../../activities/cucm/cli';
import * as sim from '../../simulator/facts';
import { IMP_CLEANUP_SERVICES } from '../../workflows/cleanup-expired-trust';
import * as product from '../../domain/cucm-version';
import { buildPlan, followUpRestarts, PLAN_SERVICE, type PlanCluster, type PlanNode } from '../../domain/plan';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../../domain/units';

const RELEASES = Object.entries(sim.RELEASES) as Array<[sim.Release, string]>;
const ROLES = ['publisher', 'subscriber'] as const;
const PRODUCTS = ['callmanager', 'cups'] as const;
const MODES = [0, 1] as const;

/** A 3-node CUCM cluster plus an IM&P node, laid out from the simulator's unit and service tables alone. */
function clusterFromSimulatorTables(build: string, securityMode: 0 | 1): PlanCluster {
  const v = sim.parseVersion(build);
  const specs = [
    { id: 'pub', role: 'publisher', product: 'callmanager' },
    { id: 'sub1', role: 'subscriber', product: 'callmanager' },
    { id: 'sub2', role: 'subscriber', product: 'callmanager' },
    { id: 'imp1', role: 'subscriber', product: 'cups' },
  ] as const;
  const nodes = specs.map((s): PlanNode => ({
    id: s.id,
    role: s.role,
    product: s.product,
    services: sim.servicesOnNode(v, s.role, s.product, true).map(({ row, state }) => ({
      name: row.name,
      state: state === 'started' ? 'STARTED' : 'STOPPED',
      reason: state === 'started' ? undefined : 'Service Not Activated',
    })),
    certificates: sim.unitsOnNode(v, s.role, s.product).map((unit) => ({
      unit,
      serial: `${s.id}-${unit}`,
      selfSigned: true,
      issuer: `CN=${s.id}`,
      notAfter: '2030-01-01T00:00:00Z',
    })),
  }));
  return { clusterId: 'x', version: build, securityMode, itlSigner: sim.itlSigner(v), nodes };
}

/** Where the simulator's tables say TN 214231 restarts each service after `unit`: per service, publisher first. */
function simulatorRestarts(cluster: PlanCluster, unit: CertificateUnit): string[] {
  const v = sim.parseVersion(cluster.version);
  const out: string[] = [];
  for (const row of sim.restartsAfter(unit, v)) {
    if (row.onlyWith) continue; // no node here runs it (e.g. SSO Tomcat without SSO)
    for (const node of cluster.nodes) {
      if (row.on === 'publisher' && node.role !== 'publisher') continue;
      if (node.services.some((s) => s.name === row.service && s.state === 'STARTED'))
        out.push(`${row.service}@${node.id}`);
    }
  }
  return out;
}

describe('facts cross-check: the product plan rules and the simulator tables agree', () => {
  it('name the same certificate units', () => {
    assert.deepEqual([...sim.CERTIFICATE_UNITS], [...CERTIFICATE_UNITS]);
  });

  it('read every release the same way', () => {
    for (const [, build] of RELEASES) {
      const a = product.parseCucmVersion(build);
      const b = sim.parseVersion(build);
      assert.deepEqual([a.major, a.minor], [b.major, b.minor], build);
    }
    assert.equal(sim.parseVersion('14.0.1.13900-155').su, 3);
    assert.equal(sim.parseVersion('12.5.1.13900-152').su, 3);
    assert.equal(sim.parseVersion('14').su, 0);
  });

  for (const [release, build] of RELEASES) {
    describe(`CUCM ${release} (${build})`, () => {
      const pv = product.parseCucmVersion(build);
      const sv = sim.parseVersion(build);

      it('units per node, and the units a node regenerates itself, by role and product', () => {
        for (const role of ROLES)
          for (const p of PRODUCTS) {
            const where = `${role} ${p}`;
            assert.deepEqual(
              [...product.unitsOnNode(pv, role, p)].sort(),
              [...sim.unitsOnNode(sv, role, p)].sort(),
              `units on a ${where}`,
            );
            assert.deepEqual(
              [...product.regeneratableOnNode(pv, role, p)].sort(),
              [...sim.generatedOnNode(sv, role, p)].sort(),
              `units a ${where} regenerates`,
            );
          }
      });

      it('the ITL signer, and the CTL signer in mixed mode', () => {
        assert.equal(product.itlSigner(pv), sim.itlSigner(sv));
        assert.equal(sim.ctlSigner(sv, 0), undefined, 'no CTL on a non-secure cluster');
        // The product has no CTL signer of its own: it reads the CTL and checks its records.
        assert.equal(sim.ctlSigner(sv, 1), product.itlSigner(pv), 'the CTL signer follows the ITL signer');
      });

      for (const mode of MODES) {
        it(`the plan in ${mode === 1 ? 'mixed' : 'non-secure'} mode: who regenerates, CTL updates, restarts where they run, verification`, () => {
          const cluster = clusterFromSimulatorTables(build, mode);
          const pub = sim.unitsOnNode(sv, 'publisher', 'callmanager');
          for (const unit of CERTIFICATE_UNITS) {
            const plan = buildPlan(cluster, { units: [unit], phoneReset: 'all' });
            if (!pub.includes(unit)) {
              assert.deepEqual(
                plan.refusals.map((r) => r.code),
                ['UNIT_NOT_IN_VERSION'],
                `${unit} does not exist on ${release}`,
              );
              continue;
            }
            assert.deepEqual(plan.refusals, [], `${unit}: no refusal`);
            const steps = plan.units[0]?.steps ?? [];
            const regenerate = steps.flatMap((s) => (s.kind === 'regenerate' ? [s.nodeId] : []));
            const generators = cluster.nodes
              .filter((n) => sim.generatedOnNode(sv, n.role, n.product as sim.NodeProduct).includes(unit))
              .map((n) => n.id);
            assert.deepEqual(regenerate, generators, `${unit}: regenerated where the node generates it`);

            const holders = cluster.nodes.filter((n) => n.certificates.some((c) => c.unit === unit)).map((n) => n.id);
            const verify = steps.find((s) => s.kind === 'verify-certificate');
            assert.deepEqual(verify?.kind === 'verify-certificate' && verify.nodeIds, holders, `${unit}: verified`);

            const ctl = steps.filter((s) => s.kind === 'update-ctl').length;
            const expectCtl = mode === 1 && sim.CTL_UPDATE_AFTER.has(unit);
            assert.equal(ctl, expectCtl ? 1 : 0, `${unit}: CTL update ${expectCtl ? '' : 'not '}expected`);

            const restarts = steps.flatMap((s) => (s.kind === 'restart-service' ? [`${s.service}@${s.nodeId}`] : []));
            assert.deepEqual(restarts, simulatorRestarts(cluster, unit), `${unit}: restarts`);
          }
        });
      }

      it('the services restarted after each unit, spelled the same way, in the same order, on the same nodes', () => {
        // The product restarts a service only where a node has it (HAProxy exists from 15): compare on this release.
        const present = (service: string) =>
          sim.servicesOnNode(sv, 'publisher', 'callmanager', true).some((x) => x.row.name === service) ||
          sim.RESTART_TABLE.some((r) => r.service === service && r.onlyWith);
        for (const unit of CERTIFICATE_UNITS)
          assert.deepEqual(
            followUpRestarts(unit, pv)
              .filter((f) => present(f.service))
              .map((f) => [f.service, f.scope === 'publisher' ? 'publisher' : 'every node']),
            sim.restartsAfter(unit, sv).map((r) => [r.service, r.on]),
            unit,
          );
      });

      it('the product SSH client has an algorithm in common with the release in every category', () => {
        const profile = sim.sshProfile(sv);
        const client = SSH_ALGORITHMS as Required<typeof SSH_ALGORITHMS>;
        const common = (mine: unknown, theirs: readonly string[]) =>
          (mine as string[]).filter((a) => theirs.includes(a));
        assert.ok(common(client.kex, profile.kex).length > 0, 'kex');
        assert.ok(common(client.serverHostKey, profile.serverHostKey).length > 0, 'host key');
        assert.ok(common(client.cipher, profile.cipher).length > 0, 'cipher');
        assert.ok(common(client.hmac, profile.hmac).length > 0, 'mac');
        assert.equal(profile.strictKex, false, 'no OpenSSH before 9.6 offers strict KEX');
      });
    });
  }

  it('the same trust store for every unit', () => {
    for (const unit of CERTIFICATE_UNITS) assert.equal(product.trustStoreOf(unit), sim.trustStoreOf(unit), unit);
  });

  it('the product names only services the simulator knows', () => {
    for (const name of Object.values(PLAN_SERVICE))
      assert.ok(
        sim.serviceRow(name) ?? sim.RESTART_TABLE.some((r) => r.service === name && r.onlyWith),
        `${name} is in the simulator's service table`,
      );
  });

  it('the trust cleanup stops on IM&P only services the simulator runs on IM&P nodes', () => {
    for (const name of IMP_CLEANUP_SERVICES) assert.ok(sim.serviceRow(name)?.products.includes('cups'), name);
  });

  it('every simulator row cites a source or says it is a guess', () => {
    const rows: Array<{ source: string }> = [
      ...sim.UNIT_TABLE,
      ...sim.SIGNER_TABLE,
      ...sim.SERVICE_TABLE,
      ...sim.RESTART_TABLE,
      ...sim.TRUST_RESET_FACTS,
      ...sim.AXL_FACTS,
      ...Object.values(sim.CERTMGR_FACTS),
      ...sim.CONTROL_REFUSAL_FACTS,
      ...RELEASES.map(([, b]) => sim.sshProfile(sim.parseVersion(b))),
    ];
    for (const row of rows) assert.match(row.source, /\S{4,}/);
  });
});
