/**
 * csrDistribution "multi-server" end to end, every layer real (HTTP API → Temporal → worker → certificate REST API
 * and SSH → simulator): a CA-signed tomcat on three CUCM nodes and one IM&P node is renewed with ONE CSR made on the
 * publisher whose SANs name every node; a chain missing a node's SAN is refused, naming it, with nothing changed;
 * the good chain is uploaded once, on the publisher, which distributes it; every node then serves the same leaf
 * over HTTPS (TLS handshake, SHA-256 fingerprint) and the simulator's event log shows one upload and the
 * distribution. Refusals at the edge: another unit (400), a self-signed tomcat (422), nothing started.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { ClusterConfig } from '../../simulator/model';
import { servedFingerprint } from '../support/control';
import { waitFor } from '../support/net';
import { signCsr } from '../support/pki';
import { getJson, postJson, startSystem, type System } from '../support/system';

const MS: ClusterConfig = {
  id: 'ms',
  version: '14.0.1.13900-155',
  caSignedUnits: ['tomcat'],
  nodes: [
    { name: 'ms-pub', role: 'publisher' },
    { name: 'ms-sub1', role: 'subscriber' },
    { name: 'ms-sub2', role: 'subscriber' },
    { name: 'ms-imp1', role: 'subscriber', product: 'cups' },
  ],
};
const SELF_SIGNED: ClusterConfig = {
  id: 'ss',
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'ss-pub', role: 'publisher' },
    { name: 'ss-sub1', role: 'subscriber' },
  ],
};
const NODES = MS.nodes.map((n) => n.name);

/** The DNS names of a CSR's subjectAltName request. */
function csrSans(csrPem: string): string[] {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  const request = csr.getAttribute({ name: 'extensionRequest' }) as {
    extensions?: Array<{ name?: string; altNames?: Array<{ value?: string }> }>;
  } | null;
  return (request?.extensions?.find((e) => e.name === 'subjectAltName')?.altNames ?? []).map((a) => a.value ?? '');
}

describe('multi-server (SAN) CSR: one CSR, one chain, every node', function () {
  this.timeout(300_000);
  let system: System;

  before(async () => {
    system = await startSystem('multi-server', [MS, SELF_SIGNED]);
  });
  after(() => system?.stop());

  const api = (path: string) => `${system.baseUrl}${path}`;
  const doc = async (id: string) => (await getJson(api(`/v1/regenerations/${id}`))).json;
  const endpoint = (node: string) => {
    const found = system.lab.sim.endpoints.clusters.find((c) => c.id === 'ms')?.nodes.find((n) => n.name === node);
    assert.ok(found, node);
    return found;
  };

  it('refuses another unit (400) and a self-signed tomcat (422), starting nothing', async () => {
    const other = await postJson(api('/v1/clusters/ms/regenerations'), {
      units: ['tomcat', 'CallManager'],
      csrDistribution: 'multi-server',
    });
    assert.equal(other.status, 400);
    assert.match(
      String(other.json.detail),
      /csrDistribution "multi-server" applies to tomcat and tomcat-ECDSA only.*remove CallManager/,
    );
    const bogus = await postJson(api('/v1/clusters/ms/regenerations'), {
      units: ['tomcat'],
      csrDistribution: 'cluster',
    });
    assert.equal(bogus.status, 400);
    const selfSigned = await postJson(api('/v1/clusters/ss/regenerations'), {
      units: ['tomcat'],
      csrDistribution: 'multi-server',
    });
    assert.equal(selfSigned.status, 422, JSON.stringify(selfSigned.json));
    assert.match(
      String(selfSigned.json.detail),
      /self-signed on ss-pub, ss-sub1: regenerate it without csrDistribution/,
    );
    // The OpenAPI document describes the option where a caller looks for it (the start body).
    const docs = JSON.stringify((await getJson(api('/docs/json'))).json);
    assert.match(docs, /"csrDistribution":\{[^}]*"enum":\["per-node","multi-server"\][^}]*Multi-server\(SAN\)/);
    const listed = (await getJson(api('/v1/regenerations?clusterId=ss'))).json.items as unknown[];
    assert.equal(listed.length, 0, 'no run was started');
    assert.equal((await system.lab.control.events('ss', { kind: 'csr-generated' })).length, 0);
  });

  it('renews tomcat on every CUCM and IM&P node with one CSR on the publisher and one upload there', async () => {
    const { control } = system.lab;
    const ca = system.lab.sim.cluster('ms').ca;
    assert.ok(ca, 'the enterprise CA (the engineer signs with it)');
    // The dry run shows the one CSR step on the publisher for every node.
    const dry = await postJson(api('/v1/clusters/ms/plan'), { units: ['tomcat'], csrDistribution: 'multi-server' });
    assert.equal(dry.status, 200, JSON.stringify(dry.json));
    const planned = (dry.json.units as Array<{ steps: Array<Record<string, unknown>> }>)[0]?.steps ?? [];
    const renewal = planned.filter((s) => s.kind === 'ca-signed-renewal');
    assert.equal(renewal.length, 1);
    assert.equal(renewal[0]?.distribution, 'multi-server');
    assert.equal(renewal[0]?.csrNodeId, 'ms-pub');
    assert.deepEqual(renewal[0]?.nodeIds, NODES);

    const servedBefore = await Promise.all(
      NODES.map((n) => servedFingerprint(endpoint(n).host, endpoint(n).httpsPort)),
    );
    const since = await control.lastSeq('ms');
    const started = await postJson(api('/v1/clusters/ms/regenerations'), {
      units: ['tomcat'],
      csrDistribution: 'multi-server',
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const atGate = await waitFor(
      'the signed-certificate gate',
      async () => {
        const d = await doc(id);
        const gates = (d.pendingGates ?? []) as Array<{ id: string; kind: string; description: string }>;
        return gates.some((g) => g.kind === 'signed-certificate') ? d : undefined;
      },
      120_000,
    );
    // ONE CSR, made on the publisher, whose SANs are every node's FQDN.
    const csrs = atGate.csrs as Array<{ nodeId: string; csrPem: string; coversNodes?: string[] }>;
    assert.equal(csrs.length, 1);
    assert.equal(csrs[0]?.nodeId, 'ms-pub');
    assert.deepEqual(csrs[0]?.coversNodes, NODES);
    const csrPem = csrs[0]?.csrPem ?? '';
    const sans = csrSans(csrPem);
    for (const node of NODES)
      assert.ok(
        sans.some((s) => s.startsWith(`${node}.`)),
        `${node} in the CSR's SANs: ${sans.join(', ')}`,
      );
    const csrEvents = (await control.events('ms', { kind: 'csr-generated', since })).map((e) => [
      e.node,
      e.detail.distribution,
    ]);
    assert.deepEqual(csrEvents, [['ms-pub', 'multi-server']]);

    // A CA that dropped the IM&P node's SAN: refused, naming it; nothing uploaded.
    const bad = await postJson(api(`/v1/regenerations/${id}/chains`), {
      nodeId: 'ms-pub',
      chainPem: `${signCsr(csrPem, ca, (name) => !name.startsWith('ms-imp1.'))}${ca.pem}`,
    });
    assert.equal(bad.status, 409, JSON.stringify(bad.json));
    assert.match(String(bad.json.detail), /does not name ms-imp1 among its SANs/);
    assert.equal((await control.events('ms', { kind: 'cert-imported', since })).length, 0, 'nothing changed');
    assert.deepEqual(
      await Promise.all(NODES.map((n) => servedFingerprint(endpoint(n).host, endpoint(n).httpsPort))),
      servedBefore,
    );

    const leafPem = signCsr(csrPem, ca);
    const good = await postJson(api(`/v1/regenerations/${id}/chains`), {
      nodeId: 'ms-pub',
      chainPem: `${leafPem}${ca.pem}`,
    });
    assert.equal(good.status, 200, JSON.stringify(good.json));
    assert.deepEqual(good.json.waitingFor, []);
    const done = await waitFor(
      'the end of the run',
      async () => {
        const d = await doc(id);
        return ['completed', 'failed', 'aborted', 'awaiting-approval'].includes(d.status as string) &&
          !(d.pendingGates as unknown[]).some((g) => (g as { kind: string }).kind === 'signed-certificate')
          ? d
          : undefined;
      },
      180_000,
    );
    assert.equal(done.status, 'completed', JSON.stringify(done.pendingGates ?? done.error));

    // Every node serves the one new leaf over HTTPS (after its Cisco Tomcat restart).
    const leaf = new X509Certificate(leafPem);
    for (const node of NODES) {
      const { host, httpsPort } = endpoint(node);
      assert.equal(
        await servedFingerprint(host, httpsPort),
        leaf.fingerprint256,
        `${node} serves the multi-server leaf`,
      );
      assert.equal(
        await control.serial('ms', node, 'tomcat'),
        leaf.serialNumber.toLowerCase(),
        `show cert own tomcat on ${node}`,
      );
    }
    const certificates = done.certificates as Array<{ nodeId: string; serialAfter: string; sha256After?: string }>;
    assert.deepEqual(
      certificates.map((c) => c.nodeId),
      NODES,
    );
    assert.ok(certificates.every((c) => c.sha256After === leaf.fingerprint256));

    // The simulator's witness: one upload, on the publisher, and the distribution to the three others.
    const imported = await control.events('ms', { kind: 'cert-imported', since });
    assert.deepEqual(
      imported.map((e) => [e.node, e.detail.distribution]),
      [['ms-pub', 'multi-server']],
    );
    const distributed = await control.events('ms', { kind: 'cert-distributed', since });
    assert.deepEqual(
      distributed.map((e) => [e.node, e.detail.from, e.detail.serialAfter?.toLowerCase()]),
      NODES.slice(1).map((n) => [n, 'ms-pub', leaf.serialNumber.toLowerCase()]),
    );
    const restarts = (await control.events('ms', { kind: 'service-state', since })).filter(
      (e) => e.detail.service === 'Cisco Tomcat' && e.detail.state === 'STARTED',
    );
    assert.ok(
      NODES.every((n) => restarts.some((e) => e.node === n)),
      'Cisco Tomcat restarted on every node',
    );
    const log = (await control.events('ms', { since }))
      .filter(
        (e) =>
          /csr|cert-|trust-imported/.test(e.kind) ||
          (e.detail.service === 'Cisco Tomcat' && e.detail.state === 'STARTED'),
      )
      .map((e) => `${e.seq} ${e.node} ${e.kind} ${JSON.stringify(e.detail)}`);
    console.log(`    simulator event log (multi-server run):\n      ${log.join('\n      ')}`);
  });
});
