/** The pure parts of the ACME issuer: RFC 9773's certID, the renewal decision (ARI window or fraction), the default. */
import assert from 'node:assert/strict';
import { acmeDue, acmeUnitDue, ariCertId } from '../../domain/expiry/acme-due';
import { DEFAULT_RENEW_AT_FRACTION } from '../../domain/inventory/schema';
import { csrDistributionOf, issuerOf, unknownIssuerRefs } from '../../domain/inventory/issuers';
import { parseInventory } from '../../inventory/load';

const DAY = 86_400_000;
const NOW = Date.parse('2027-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('ACME renewal decision (pure)', () => {
  it("computes RFC 9773's certID (the RFC's own example, section 4.1)", () => {
    assert.equal(
      ariCertId('69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4', '00:87:65:43:21'),
      'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    );
    // Node prints the serial without the DER sign octet: the high bit set still takes its leading zero.
    assert.equal(
      ariCertId('69885B6B87464041E1B37B847BA0AE2CDE01C8D4', '87654321'),
      'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    );
    assert.equal(ariCertId('0102', '7f'), 'AQI.fw');
  });

  it('is due once the ARI window has started, and "later" (saying when) before it', () => {
    const reading = {
      node: 'pub',
      notBefore: iso(NOW - 60 * DAY),
      notAfter: iso(NOW + 30 * DAY),
      certId: 'x.y',
      window: { start: iso(NOW - DAY), end: iso(NOW + DAY) },
    };
    const now = acmeDue(reading, NOW, 2 / 3);
    assert.deepEqual([now.due, now.basis], [true, 'ari']);
    const later = acmeDue({ ...reading, window: { start: iso(NOW + 5 * DAY), end: iso(NOW + 7 * DAY) } }, NOW, 2 / 3);
    assert.equal(later.due, false);
    assert.equal(later.dueAt, iso(NOW + 5 * DAY));
    assert.match(later.reason, /^later: the CA's renewal window \(ARI\) opens 2027-01-06T00:00:00\.000Z/);
  });

  it('falls back to the fraction of the lifetime without ARI (2/3 by default); an expired certificate is due', () => {
    assert.equal(DEFAULT_RENEW_AT_FRACTION, 2 / 3);
    const ninetyDays = (daysIn: number) => ({
      node: 'pub',
      notBefore: iso(NOW - daysIn * DAY),
      notAfter: iso(NOW + (90 - daysIn) * DAY),
      certId: '',
    });
    assert.equal(acmeDue(ninetyDays(59), NOW, DEFAULT_RENEW_AT_FRACTION).due, false);
    assert.equal(acmeDue(ninetyDays(61), NOW, DEFAULT_RENEW_AT_FRACTION).due, true);
    assert.equal(acmeDue(ninetyDays(61), NOW, DEFAULT_RENEW_AT_FRACTION).basis, 'fraction');
    assert.equal(acmeDue(ninetyDays(59), NOW, 0.5).due, true);
    assert.equal(acmeDue(ninetyDays(95), NOW, DEFAULT_RENEW_AT_FRACTION).basis, 'expired');
    // A unit is due when any node's certificate is.
    assert.equal(acmeUnitDue([ninetyDays(10), ninetyDays(70)], NOW, DEFAULT_RENEW_AT_FRACTION).due, true);
    assert.equal(acmeUnitDue([ninetyDays(10)], NOW, DEFAULT_RENEW_AT_FRACTION).due, false);
  });
});

describe('inventory issuers', () => {
  const cluster = (extra: Record<string, unknown>) => ({
    clusters: [
      {
        id: 'c',
        nodes: [{ id: 'pub', role: 'publisher', host: 'h', sshHostKeySha256: 'SHA256:x' }],
        credentials: { osAdmin: { username: 'a', passwordRef: 'env:X' } },
        ...extra,
      },
    ],
  });
  const le = {
    id: 'le',
    kind: 'acme',
    directoryUrl: 'https://acme.example.com/directory',
    email: 'pki@example.com',
    accountKeyRef: 'file:/etc/cucm/acme-account.pem',
    dns01: {
      provider: 'rfc2136',
      server: 'ns1.example.com:53',
      zone: 'uc.example.com',
      tsigKeyName: 'acme-update.',
      tsigSecretRef: 'env:TSIG',
    },
  };

  it('gives each unit its issuer: the unit\'s, else the cluster\'s, else "manual"', () => {
    const c = parseInventory(
      cluster({
        issuers: [le],
        issuance: {
          issuer: 'le',
          units: { CallManager: { issuer: 'manual' }, tomcat: { csrDistribution: 'multi-server' } },
        },
      }),
    ).clusters[0]!;
    const tomcat = issuerOf(c, 'tomcat');
    assert.equal(tomcat.kind, 'acme');
    assert.equal(tomcat.kind === 'acme' && tomcat.renewAtFraction, DEFAULT_RENEW_AT_FRACTION);
    assert.equal(issuerOf(c, 'CallManager').kind, 'manual');
    assert.equal(csrDistributionOf(c, 'tomcat'), 'multi-server');
    assert.equal(csrDistributionOf(c, 'ipsec'), 'per-node');
    assert.equal(issuerOf(parseInventory(cluster({})).clusters[0]!, 'tomcat').kind, 'manual');
  });

  it('refuses an unknown issuer reference and a secret written in place of a reference, naming the field', () => {
    assert.throws(
      () => parseInventory(cluster({ issuers: [le], issuance: { issuer: 'letsencrypt' } })),
      /issuance\.issuer: "letsencrypt" is not one of the cluster's issuers \(manual, le\)/,
    );
    assert.throws(
      () => parseInventory(cluster({ issuers: [{ ...le, dns01: { ...le.dns01, tsigSecretRef: 'c2VjcmV0' } }] })),
      /tsigSecretRef.*secret reference/,
    );
    assert.deepEqual(unknownIssuerRefs({ issuers: [], issuance: { units: { tomcat: { issuer: 'x' } } } }), [
      { path: ['issuance', 'units', 'tomcat', 'issuer'], ref: 'x' },
    ]);
  });
});
