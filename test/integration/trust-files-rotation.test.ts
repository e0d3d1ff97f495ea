/**
 * CUCM 14.0 in mixed mode, 3 nodes, with `show itl` / `show ctl` in the real layout (header TLVs, records, etoken
 * line): a rotation of CAPF, CallManager and TVS through the real workflow (Temporal dev server, worker, SSH, AXL,
 * RisPort) completes with no step-failed gate, its verify steps say what they checked, and what an engineer reads
 * over SSH afterwards — `show cert own`, `show itl` on every TFTP node, `show ctl` on the publisher — lists every new
 * serial and none of the old ones. Issue 10: this rotation used to stop at a step-failed gate on its CAPF unit.
 * And the verification, over SSH, fails when the files give it nothing to check (it used to pass).
 *
 * The serials are looked up in the listings as text (`70:CA:F6:...`), not through the product's parser.
 */
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { parseCertificateDetails } from '../../activities/cucm/parsers';
import { createWorker } from '../../worker/create-worker';
import type { ClusterConfig } from '../../simulator/model';
import { stateQuery } from '../../domain/messages';
import { rotationStateQuery } from '../../domain/contract/rotation';
import { rotateCluster } from '../../workflows/rotate-cluster';
import type { RegenerationResult } from '../../domain/types';
import type { CertificateUnit } from '../../domain/units';
import { runOn } from '../support/cli';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const TIME_SCALE = 0.004;
const RISPORT = { requestsPerMinute: 18, windowMs: 1000 };
const NODES = ['pub', 'sub1', 'sub2'] as const;
/** TFTP is not activated on sub2: its ITL is not served, so not checked. */
const TFTP_NODES = ['pub', 'sub1'] as const;
const UNITS: CertificateUnit[] = ['TVS', 'CallManager', 'CAPF'];

const config: ClusterConfig = {
  id: 'trust14m',
  version: '14.0.1.13900-155',
  securityMode: 1,
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
    { name: 'sub2', role: 'subscriber', services: { 'Cisco Tftp': 'STOPPED' } },
  ],
  phones: { count: 20, secureShare: 0.3, registerDelayMs: [2000, 6000], seed: 3 },
  risport: RISPORT,
  expiredTrustPerStore: 0,
};

/** A one-node 14.0 mixed cluster whose CAPF service is not activated: its ITL and CTL list no CAPF record. */
const noCapf: ClusterConfig = {
  id: 'nocapf14m',
  version: '14.0.1.13900-155',
  securityMode: 1,
  nodes: [{ name: 'pub', role: 'publisher', services: { 'Cisco Certificate Authority Proxy Function': 'STOPPED' } }],
  expiredTrustPerStore: 0,
};

const colons = (serial: string) => (serial.length % 2 ? `0${serial}` : serial).match(/.{2}/g)?.join(':') ?? serial;

describe('14.0 mixed mode: CAPF, CallManager and TVS rotations verify their ITL and CTL records', function () {
  this.timeout(240_000);
  let lab: SimulatedCluster;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async function () {
    this.timeout(120_000);
    const [env, workflowBundle, started] = await Promise.all([
      sharedDevServer(),
      sharedWorkflowBundle(),
      startSimulatedCluster([config, noCapf], TIME_SCALE),
    ]);
    lab = started;
    taskQueue = uniqueTaskQueue('trust14m');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: lab.activities,
      workflowBundle,
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
  });

  /** Serials as `show cert own <unit>` prints them on each node that holds the unit. */
  async function serials(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const node of NODES) {
      const units = UNITS.filter((u) => u !== 'CAPF' || node === 'pub'); // CAPF on the publisher only from 14
      const outputs = await runOn(lab.sim, config.id, node, ...units.map((u) => `show cert own ${u}`));
      for (const [i, unit] of units.entries())
        out.set(`${node}:${unit}`, parseCertificateDetails(outputs[i] ?? '').serial);
    }
    return out;
  }

  /** Fails fast with the gate's description when a unit run stops at a step-failed gate. */
  async function resultOrGate(rotation: WorkflowHandle<typeof rotateCluster>): Promise<RegenerationResult[]> {
    const client = (await sharedDevServer()).client;
    let done = false;
    const watch = (async () => {
      while (!done) {
        const current = (await rotation.query(rotationStateQuery)).current;
        if (current) {
          const state = await client.workflow.getHandle(current.workflowId).query(stateQuery);
          const gate = state.pendingGates.find((g) => g.kind === 'step-failed');
          if (gate) throw new Error(`${current.unit} stopped at a step-failed gate: ${gate.description}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return [] as RegenerationResult[];
    })();
    try {
      return await Promise.race([rotation.result(), watch]);
    } finally {
      done = true;
    }
  }

  it('completes with no step-failed gate; show itl and show ctl list the new serials and none of the old', async () => {
    const client = (await sharedDevServer()).client;
    const before = await serials();
    const [itlBefore] = await runOn(lab.sim, config.id, 'pub', 'show itl');
    for (const [key, serial] of before)
      assert.ok((itlBefore ?? '').includes(colons(serial)), `${key} ${serial} in the ITL before the run`);

    const rotation = await client.workflow.start(rotateCluster, {
      workflowId: `trust14m-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: config.id, units: UNITS, approvals: [], registrationPollSeconds: 0.25, requestedBy: 'test' }],
    });
    const results = await resultOrGate(rotation);
    assert.deepEqual(
      results.map((r) => r.unit),
      ['CAPF', 'CallManager', 'TVS'],
      'the safe order',
    );

    // The verify steps of each unit run say what they checked, per TFTP node and file.
    for (const unit of ['CAPF', 'CallManager', 'TVS'] as const) {
      const state = await client.workflow.getHandle(`${rotation.workflowId}-${unit}`).query(stateQuery);
      const verifies = state.steps.filter((s) => s.kind === 'verify' && /ITL and CTL served by/.test(s.description));
      assert.deepEqual(
        verifies.map((s) => [s.nodeId, s.status]),
        TFTP_NODES.map((n) => [n, 'completed']),
        `${unit}: one ITL/CTL check per TFTP node`,
      );
      for (const v of verifies) {
        assert.match(v.detail ?? '', new RegExp(`ITL lists the new ${unit} \\(\\d+ record`), `${unit} on ${v.nodeId}`);
        if (unit === 'TVS') assert.match(v.detail ?? '', /CTL not read: it carries no TVS record/);
        else assert.match(v.detail ?? '', new RegExp(`CTL lists the new ${unit} \\(\\d+ record`));
      }
    }

    const after = await serials();
    for (const [key, serial] of after) assert.notEqual(serial, before.get(key), `${key} regenerated`);
    for (const node of TFTP_NODES) {
      const [itl] = await runOn(lab.sim, config.id, node, 'show itl');
      for (const [key, serial] of after) assert.ok((itl ?? '').includes(colons(serial)), `${node}'s ITL lists ${key}`);
      for (const [key, serial] of before)
        assert.ok(!(itl ?? '').includes(colons(serial)), `${node}'s ITL no longer lists the old ${key}`);
    }
    const [ctl] = await runOn(lab.sim, config.id, 'pub', 'show ctl');
    for (const [key, serial] of after) {
      if (key.endsWith(':TVS')) continue; // the CTL lists no TVS
      assert.ok((ctl ?? '').includes(colons(serial)), `the CTL lists ${key}`);
      assert.ok(!(ctl ?? '').includes(colons(before.get(key) ?? '')), `the CTL no longer lists the old ${key}`);
    }
  });

  it('a verification with nothing to check fails, over SSH: no CAPF record in the files, a unit they do not carry', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    type Verify = typeof lab.activities.verifyTrustFiles;
    const verify = (input: Parameters<Verify>[0]) =>
      env.run<Parameters<Verify>, Awaited<ReturnType<Verify>>, Verify>(lab.activities.verifyTrustFiles, input);
    const [own] = await runOn(lab.sim, noCapf.id, 'pub', 'show cert own CAPF');
    const capf = parseCertificateDetails(own ?? '').serial;
    const ref = { clusterId: noCapf.id, nodeId: 'pub', newSerials: [capf], checkCtl: true };
    assert.deepEqual(await verify({ ...ref, unit: 'CAPF' }), {
      ok: false,
      checked: [],
      problems: [
        'the ITL on pub lists no CAPF record: nothing to verify the new CAPF against',
        'the CTL on pub lists no CAPF record: nothing to verify the new CAPF against',
      ],
    });
    const tomcat = await verify({ ...ref, unit: 'tomcat' });
    assert.equal(tomcat.ok, false);
    assert.deepEqual(tomcat.problems, ['neither the ITL nor the CTL carries tomcat: nothing to verify on pub']);
  });
});
