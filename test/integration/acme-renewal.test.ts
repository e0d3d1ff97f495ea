/**
 * Issuers: an expiry-watch renewal of a CA-signed multi-server (SAN) tomcat through ACME, every component real:
 * Pebble (Let's Encrypt's ACME test server, built from its Go module) validating DNS-01 against BIND 9 (Debian's
 * named, started here on a loopback port) that the worker updates by RFC 2136 with a TSIG key; the Temporal dev
 * server, the worker, the API and the simulated 3 CUCM + 1 IM&P cluster with a UCCX node. The watch finds tomcat due
 * by the issuer's fraction of its lifetime (Pebble has no renewal information for a certificate it did not issue)
 * although renewBeforeDays says it is not, starts the renewal, and no person posts a chain: one ACME order (Pebble's
 * log), the TXT records added then removed (BIND's update log, and DNS queries), the chain checked for every SAN and
 * served by every node, UCCX trusting Pebble's CA. The next watch asks Pebble's renewalInfo for the new certificate:
 * "later", nothing renewed.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import * as acme from 'acme-client';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../activities';
import { buildApp } from '../../api/app';
import { upsertExpirySchedules } from '../../clients/expiry-schedules';
import { expiryScheduleId, type ExpiryWatchResult } from '../../domain/contract/expiry-watch';
import type { Inventory } from '../../domain/inventory/types';
import { parseInventory } from '../../inventory/load';
import type { ClusterConfig } from '../../simulator/model';
import { createWorker } from '../../worker/create-worker';
import { startBind9, type Bind9 } from '../support/bind9';
import { waitFor } from '../support/net';
import { startPebble, type Pebble } from '../support/pebble';
import { servedCertificate } from '../support/control';
import { secretsOfThisRun, startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { postJson } from '../support/system';
import { removeSchedulesAndRuns, sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const ID = 'acmes';
const ZONE = 'uc.example.com';
const NODES = [`${ID}-pub`, `${ID}-sub1`, `${ID}-sub2`, `${ID}-imp1`];
const UCCX = `${ID}-uccx`;
const CLUSTER: ClusterConfig = {
  id: ID,
  version: '14.0.1.13900-155',
  domain: ZONE,
  caSignedUnits: ['tomcat'],
  nodes: [
    { name: NODES[0] as string, role: 'publisher' },
    { name: NODES[1] as string, role: 'subscriber' },
    { name: NODES[2] as string, role: 'subscriber' },
    { name: NODES[3] as string, role: 'subscriber', product: 'cups' },
  ],
  uccxNodes: [{ name: UCCX }],
  // 70 days into a 90-day life: past the issuer's 2/3, yet 20 days left, outside renewBeforeDays (10).
  initialValidityDays: { tomcat: 90 },
  initialAgeDays: { tomcat: 70 },
};
const OPERATOR = 'approver-token-acme-0123456789';

describe('ACME issuer: an unattended expiry-watch renewal through Pebble, DNS-01 by RFC 2136 to BIND 9', function () {
  this.timeout(300_000);
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let bind: Bind9;
  let pebble: Pebble;
  let inventory: Inventory;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let app: FastifyInstance;
  let base: string;
  let renewalId = '';
  /** The base64 body of the account key's PEM (what would show if it leaked). */
  let accountKeyBody = '';

  before(async () => {
    env = await sharedDevServer();
    bind = await startBind9(ZONE);
    pebble = await startPebble(`127.0.0.1:${bind.port}`);
    lab = await startSimulatedCluster([CLUSTER]);
    const dir = mkdtempSync(join(tmpdir(), 'acme-issuer-'));
    const rootsFile = join(dir, 'pebble-roots.pem');
    writeFileSync(rootsFile, await pebble.rootPem());
    const accountKey = (await acme.crypto.createPrivateKey()).toString();
    accountKeyBody = accountKey.split('\n')[1] ?? accountKey;
    const secrets = new Map([
      ['env:TEST_ACME_ACCOUNT_KEY', accountKey],
      ['env:TEST_ACME_TSIG_SECRET', bind.secret],
    ]);
    // The suite's history check (no-secrets-in-history) looks for these too.
    for (const value of secrets.values()) secretsOfThisRun.add(value);
    // The inventory as a user writes it, through the loader (schema, defaults, cross-field rules).
    const written = structuredClone(lab.inventory) as unknown as { clusters: Array<Record<string, unknown>> };
    Object.assign(written.clusters[0] as object, {
      renewBeforeDays: 10,
      // No person decides: the approval policy makes tomcat's before-start and before-uccx-trust automatic, which it
      // allows only inside the cluster's maintenance window (open from an hour ago to three hours from now).
      maintenanceWindow: { start: utcHour(-1), end: utcHour(3), timeZone: 'UTC' },
      approvalPolicy: {
        rules: [{ units: ['tomcat'], gates: ['before-start', 'before-uccx-trust'], approvers: 'automatic' }],
      },
      issuers: [
        {
          id: 'pebble',
          kind: 'acme',
          directoryUrl: pebble.directoryUrl,
          email: 'pki@example.com',
          accountKeyRef: 'env:TEST_ACME_ACCOUNT_KEY',
          caFile: pebble.caFile,
          rootsFile,
          dns01: {
            provider: 'rfc2136',
            server: `127.0.0.1:${bind.port}`,
            zone: ZONE,
            tsigKeyName: bind.keyName,
            tsigAlgorithm: 'hmac-sha256',
            tsigSecretRef: 'env:TEST_ACME_TSIG_SECRET',
          },
        },
      ],
      issuance: { issuer: 'pebble', units: { tomcat: { csrDistribution: 'multi-server' } } },
    });
    inventory = parseInventory(written);
    taskQueue = uniqueTaskQueue('acme');
    const resolveSecret = (ref: string) => secrets.get(ref) ?? lab.activityDeps.resolveSecret(ref);
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({ ...lab.activityDeps, inventory, resolveSecret }),
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
    app = await buildApp(
      { temporal: env.client, namespace: 'default', taskQueue, inventory },
      { auth: { tokens: [{ name: 'alice', role: 'approver', token: OPERATOR }] } },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    if (env) await removeSchedulesAndRuns(env.client, taskQueue, [ID]);
    await app?.close();
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
    await pebble?.stop();
    await bind?.stop();
  });

  const auth = { authorization: `Bearer ${OPERATOR}` };
  const doc = async (id: string) =>
    (await (await fetch(`${base}/v1/regenerations/${id}`, { headers: auth })).json()) as Record<string, unknown>;
  const schedule = () => env.client.schedule.getHandle(expiryScheduleId(ID, taskQueue));
  /** The n-th watch the Schedule ran (1: the one at creation), and its result. */
  async function watch(n: number): Promise<ExpiryWatchResult> {
    const action = await waitFor(`watch ${n} of ${ID}`, async () =>
      (await schedule().describe()).info.recentActions.at(n - 1),
    );
    return (await env.client.workflow.getHandle(action.action.workflow.workflowId).result()) as ExpiryWatchResult;
  }
  const endpoint = (node: string) => {
    const found = lab.sim.endpoints.clusters.find((c) => c.id === ID)?.nodes.find((n) => n.name === node);
    assert.ok(found, node);
    return found;
  };

  it('the watch finds tomcat due by the ACME issuer (fraction of its lifetime, no ARI from Pebble) and starts a multi-server renewal', async () => {
    // The dry run names the issuer of each CA-signed unit.
    const dry = await postJson(
      `${base}/v1/clusters/${ID}/plan`,
      { units: ['tomcat'], csrDistribution: 'multi-server' },
      auth,
    );
    assert.equal(dry.status, 200, JSON.stringify(dry.json));
    assert.deepEqual(dry.json.issuers, [{ unit: 'tomcat', issuer: 'pebble', kind: 'acme' }]);
    await upsertExpirySchedules(env.client, inventory, taskQueue);
    const result = await watch(1);
    console.log(`      [acme] first watch: ${result.summary}`);
    assert.deepEqual(
      result.due.map((d) => [d.unit, d.issuer]),
      [['tomcat', 'pebble']],
      `tomcat is due from the ACME issuer, nothing else: ${result.summary}`,
    );
    const decision = result.acme?.find((a) => a.unit === 'tomcat');
    assert.equal(
      decision?.basis,
      'fraction',
      `no renewal information for a certificate Pebble did not issue: ${decision?.reason}`,
    );
    assert.match(decision?.reason ?? '', /66\.7% of its lifetime passed .*no renewal information/);
    assert.equal(result.renewal.status, 'started', result.summary);
    renewalId = result.renewal.status === 'started' ? result.renewal.workflowId : '';
  });

  it('renews without a person at the signed-certificate gate: one order, TXT records added then removed, every node serves the chain, UCCX trusts it', async () => {
    const since = await lab.control.lastSeq(ID);
    const done = await waitFor(
      'the end of the renewal',
      async () => {
        const d = await doc(renewalId);
        return ['completed', 'failed', 'aborted', 'cancelled'].includes(d.status as string) ? d : undefined;
      },
      180_000,
    );
    assert.equal(done.status, 'completed', JSON.stringify(done.pendingGates ?? done.error));

    // No person decided anything: the gates the policy makes automatic passed by policy, no signed-certificate gate.
    const decisions = done.decisions as Array<{ kind: string; by?: string }>;
    assert.deepEqual(
      decisions.map((d) => `${d.kind} by ${d.by}`),
      ['before-start by policy', 'before-uccx-trust by policy'],
      "every decision was the policy's, none a person's",
    );
    const steps = done.steps as Array<{ kind: string; status: string; detail?: string; nodeId?: string }>;
    const orders = steps.filter((s) => s.kind === 'acme-order');
    assert.equal(orders.length, 1, 'one order step, for the one multi-server CSR');
    assert.equal(orders[0]?.status, 'completed');
    assert.equal(orders[0]?.nodeId, NODES[0]);
    assert.match(orders[0]?.detail ?? '', /^issuer pebble, order https:\/\/localhost:\d+\/my-order\/\S+: serial /);
    console.log(`      [acme] ${orders[0]?.detail}`);
    // Exactly one ACME order, as Pebble itself logged it.
    assert.equal(pebble.orders(), 1, `Pebble added ${pebble.orders()} orders:\n${pebble.log().slice(-3000)}`);

    // Each SAN's TXT record was added, then removed (BIND's update log), and the name no longer answers.
    const names = NODES.map((n) => `_acme-challenge.${n}.${ZONE}`);
    const updates = bind.updates();
    for (const name of names) {
      const ops = updates.filter((u) => u.name === name).map((u) => u.op);
      assert.deepEqual(ops, ['add', 'delete'], `${name}: ${JSON.stringify(updates)}`);
      assert.deepEqual(await bind.txt(name), [], `${name} still answers a TXT record`);
    }

    // Every node serves the one new leaf, from Pebble's CA, naming every node in its SANs.
    const leaves = await Promise.all(NODES.map((n) => servedCertificate(endpoint(n).host, endpoint(n).httpsPort)));
    const leaf = leaves[0] as X509Certificate;
    assert.match(leaf.issuer, /Pebble Intermediate CA/, `the served leaf's issuer: ${leaf.issuer}`);
    for (const [i, node] of NODES.entries()) {
      assert.equal(leaves[i]?.fingerprint256, leaf.fingerprint256, `${node} serves the ACME leaf`);
      assert.ok(leaf.subjectAltName?.includes(`DNS:${node}.${ZONE}`), `${node} in the SANs: ${leaf.subjectAltName}`);
    }
    // One upload, on the publisher, which distributed it.
    const imported = (await lab.control.events(ID, { kind: 'cert-imported', since })).map((e) => e.node);
    assert.deepEqual([...new Set(imported)], [NODES[0]], `uploads: ${JSON.stringify(imported)}`);

    // UCCX trusts Pebble's CA chain (intermediate and root) in its tomcat-trust.
    const chain = [new X509Certificate(await pebble.rootPem())];
    const trust = (await lab.control.node(ID, UCCX)).trust['tomcat-trust'] ?? [];
    for (const ca of chain)
      assert.ok(
        trust.some((t) => t.serial.toUpperCase() === ca.serialNumber.toUpperCase()),
        `UCCX tomcat-trust holds Pebble's root ${ca.subject}: ${trust.map((t) => t.serial).join(', ')}`,
      );
    // Neither the TSIG key nor the account key is in the renewal's history (references only).
    const history = JSON.stringify(await env.client.workflow.getHandle(renewalId).fetchHistory());
    assert.ok(!history.includes(bind.secret), 'the TSIG secret is in the history');
    assert.ok(!history.includes(accountKeyBody), 'the ACME account key is in the history');
    const uccxImports = (await lab.control.events(ID, { node: UCCX, since })).filter(
      (e) => e.kind === 'trust-imported',
    );
    assert.ok(uccxImports.length >= 2, `UCCX imported the chain: ${JSON.stringify(uccxImports)}`);
  });

  it('the next watch asks Pebble for the new certificate\'s renewal information: "later", nothing renewed', async () => {
    await schedule().trigger();
    const result = await watch(2);
    console.log(`      [acme] second watch: ${result.summary}`);
    const decision = result.acme?.find((a) => a.unit === 'tomcat');
    assert.equal(decision?.basis, 'ari', `Pebble issued it and knows it: ${decision?.reason}`);
    assert.equal(decision?.due, false);
    assert.ok(Date.parse(decision?.dueAt ?? '') > Date.now() + 50 * 86_400_000, `window opens ${decision?.dueAt}`);
    assert.match(
      result.summary,
      /ACME tomcat \(issuer pebble\): not due, later: the CA's renewal window \(ARI\) opens /,
    );
    assert.deepEqual(result.due, []);
    assert.equal(result.renewal.status, 'none');
    assert.equal(pebble.orders(), 1, 'no second order');
  });
});

/** "HH:MM" in UTC, `hours` from now: a maintenance window around the test's run. */
function utcHour(hours: number): string {
  return new Date(Date.now() + hours * 3_600_000).toISOString().slice(11, 16);
}
