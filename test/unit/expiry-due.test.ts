/**
 * The expiry watch's decision (domain/expiry/due.ts): which units are due under renewBeforeDays, per node, in the
 * plan's order, and what the plan refuses. Pure: the test passes the clock.
 */
import assert from 'node:assert/strict';
import { defaultServices } from '../../simulator/services';
import { parseCucmVersion, unitsOnNode } from '../../domain/cucm-version';
import { daysLeft, decideRenewal } from '../../domain/expiry/due';
import type { PlanCluster, PlanNode } from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';

const NOW = Date.parse('2026-12-01T06:00:00Z');
const inDays = (days: number) => new Date(NOW + days * 86_400_000 + 3_600_000).toISOString();

/** A cluster as discovery reports it; every certificate valid for years unless `expiry` says otherwise. */
function cluster(version: string, expiry: Record<string, Partial<Record<CertificateUnit, string>>>): PlanCluster {
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
      })),
      certificates: unitsOnNode(v, role, 'callmanager').map((unit) => ({
        unit,
        serial: `${id}-${unit}`,
        selfSigned: true,
        issuer: `CN=${id}`,
        notAfter: expiry[id]?.[unit] ?? inDays(3000),
      })),
    };
  });
  return { clusterId: 'lab', version, securityMode: 0, itlSigner: 'ITLRecovery', nodes };
}

describe('expiry watch: which units are due', () => {
  it('counts whole days left, negative once expired, null when unreadable', () => {
    assert.equal(daysLeft(inDays(10), NOW), 10);
    assert.equal(daysLeft(new Date(NOW - 86_400_000 * 3).toISOString(), NOW), -3);
    assert.equal(daysLeft('not a date', NOW), null);
  });

  it('a unit is due when any node has renewBeforeDays left or fewer; the others are not', () => {
    const d = decideRenewal(cluster('14.0.1.13900-155', { sub1: { tomcat: inDays(20) } }), NOW, 30);
    assert.deepEqual(d.due, [{ unit: 'tomcat', daysLeft: 20, nodes: ['sub1'], caSigned: false }]);
    assert.deepEqual(d.refused, []);
    assert.equal(d.rows.find((r) => r.node === 'pub' && r.unit === 'tomcat')?.daysLeft, 3000);
  });

  it('the boundary: exactly renewBeforeDays is due, one more day is not', () => {
    const c = cluster('14.0.1.13900-155', { pub: { ipsec: inDays(60), CAPF: inDays(61) } });
    assert.deepEqual(
      decideRenewal(c, NOW, 60).due.map((u) => u.unit),
      ['ipsec'],
    );
  });

  it('expired units are due; several come in the plan order (TVS last), with the fewest days per unit', () => {
    const c = cluster('14.0.1.13900-155', {
      pub: { TVS: inDays(5), CallManager: new Date(NOW - 86_400_000).toISOString() },
      sub1: { tomcat: inDays(40), CallManager: inDays(7) },
    });
    const d = decideRenewal(c, NOW, 45);
    assert.deepEqual(
      d.due.map((u) => [u.unit, u.daysLeft, u.nodes]),
      [
        ['tomcat', 40, ['sub1']],
        ['CallManager', -1, ['pub', 'sub1']],
        ['TVS', 5, ['pub']],
      ],
    );
  });

  it('an unreadable date is reported, never due', () => {
    const d = decideRenewal(cluster('14.0.1.13900-155', { pub: { tomcat: '' } }), NOW, 60);
    assert.equal(d.rows.find((r) => r.node === 'pub' && r.unit === 'tomcat')?.daysLeft, null);
    assert.deepEqual(d.due, []);
  });

  it('a due unit the plan refuses is reported with its reason, not started', () => {
    const c = cluster('14.0.1.13900-155', { pub: { tomcat: inDays(3) } });
    // Discovery on a version the plan does not support.
    const d = decideRenewal({ ...c, version: '9.1.2' }, NOW, 60);
    assert.deepEqual(d.due, []);
    assert.equal(d.refused[0]?.unit, 'tomcat');
    assert.match(d.refused[0]?.reason ?? '', /9\.1|version/i);
  });
});
