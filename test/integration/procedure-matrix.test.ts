/**
 * The procedure end to end across versions and security modes, every layer real except the API (Temporal dev
 * server, worker, activities, SSH, AXL, RisPort, the simulator): one full rotation (`rotateCluster` with every unit
 * the version has, no gates) per CUCM 10.5, 11.5, 12.5, 14 and 15 in non-secure and mixed mode, on a 3-node cluster
 * where some services are not Started. Each case is checked from the simulator's ordered event log, read over its
 * control API (with the phones' registration changes logged in it), never from the simulator's memory, the way a UC
 * engineer checks a change: each unit regenerated once per node that holds it, publisher first; the CTL updated
 * exactly when needed and before that unit's restarts; restarts only where Started, publisher first, the right
 * services per unit; the units in the safe order, TVS last and, while CallManager signs the ITL, only after every
 * phone is back; all phones back at the end; every serial new, and the result reporting the same serials.
 *
 * The short cases cover what the rotation cannot show: gates inside a rotation approved by update (who and when
 * recorded), a reject at before-start (nothing written, RejectedAtGate), phones that never come back
 * (accept-missing-phones: retry, then approve) and a secure-only phone reset for CAPF in mixed mode.
 * They are defined first, so they run while the rotations go on in the background.
 *
 * The 10 rotations run concurrently, one simulator per cluster, each starting as soon as its cluster listens, so
 * the file takes about as long as the slowest rotation plus start-up (about 110-135 s on 2 busy cores).
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { ClusterConfig } from '../../simulator/model';
import { parseCucmVersion } from '../../domain/cucm-version';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import { unitsOfVersion } from '../../domain/plan/topology';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { rotationStateQuery } from '../../domain/contract/rotation';
import { rotateCluster } from '../../workflows/rotate-cluster';
import type { GateKind, PendingGate, RegenerationRequest, RegenerationResult } from '../../domain/types';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../../domain/units';
import { createWorker } from '../../worker/create-worker';
import { createActivities } from '../../activities';
import type { Inventory } from '../../domain/inventory/types';
import type { Control } from '../support/control';
import { phonesDownBefore, regenerationsIn, restartsIn, sliceByUnit, unitOrder, writesIn } from '../support/event-log';
import { selectedByGrep } from '../support/grep';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const TIME_SCALE = 0.004;
const PHONES = 60;
/** RisPort's budget per window: the worker's limiter and the simulator's use the same short window. */
const RISPORT = { requestsPerMinute: 18, windowMs: 1000 };

const VERSIONS = [
  { label: '10.5', full: '10.5.2.22900-14' },
  { label: '11.5', full: '11.5.1.21900-40' },
  { label: '12.5', full: '12.5.1.16900-48' },
  { label: '14', full: '14.0.1.13900-155' },
  { label: '15', full: '15.0.1.10000-34' },
] as const;
const MODES = [0, 1] as const;

// ---- What TN 214231 asks for, written out here independently of domain/plan/rules.ts ----------------------

const S = {
  tomcat: 'Cisco Tomcat',
  drfMaster: 'Cisco DRF Master',
  drfLocal: 'Cisco DRF Local',
  capf: 'Cisco Certificate Authority Proxy Function',
  callManager: 'Cisco CallManager',
  cti: 'Cisco CTIManager',
  tvs: 'Cisco Trust Verification Service',
  tftp: 'Cisco Tftp',
  haproxy: 'Cisco HAProxy',
} as const;

const SAFE_ORDER: readonly CertificateUnit[] = [
  'tomcat',
  'tomcat-ECDSA',
  'ipsec',
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'ITLRecovery',
  'TVS',
];

/** Services to restart after each unit, in order; `pub` = on the publisher only, `all` = publisher then subscribers. */
const RESTARTS: Record<CertificateUnit, Array<[string, 'pub' | 'all']>> = {
  tomcat: [[S.tomcat, 'all']],
  'tomcat-ECDSA': [[S.tomcat, 'all']],
  ipsec: [
    [S.drfMaster, 'pub'],
    [S.drfLocal, 'all'],
  ],
  CAPF: [
    [S.capf, 'pub'],
    [S.tvs, 'all'],
    [S.tftp, 'all'],
  ],
  CallManager: [
    [S.callManager, 'all'],
    [S.cti, 'all'],
    [S.tvs, 'all'],
    [S.tftp, 'all'],
    [S.haproxy, 'all'],
  ],
  'CallManager-ECDSA': [
    [S.callManager, 'all'],
    [S.cti, 'all'],
    [S.tvs, 'all'],
    [S.tftp, 'all'],
    [S.haproxy, 'all'],
  ],
  ITLRecovery: [
    [S.tvs, 'all'],
    [S.tftp, 'all'],
  ],
  TVS: [
    [S.tvs, 'all'],
    [S.tftp, 'all'],
  ],
};

/** Restarts added from 15.0, after those above: TN 214231 rev 7.0 restarts Tomcat on each node after ipsec. */
const RESTARTS_FROM_15: Partial<Record<CertificateUnit, Array<[string, 'pub' | 'all']>>> = {
  ipsec: [[S.tomcat, 'all']],
};

/** Units the CTL lists or is signed by: a CTL update in mixed mode. */
const IN_CTL: ReadonlySet<CertificateUnit> = new Set(['CAPF', 'CallManager', 'CallManager-ECDSA', 'ITLRecovery']);
/** Units whose change reaches the phones' ITL/CTL: phones reset, and back before the next unit. */
const PHONE_UNITS: ReadonlySet<CertificateUnit> = new Set([
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'ITLRecovery',
  'TVS',
]);

const NODES = ['pub', 'sub1', 'sub2'] as const;

/** The nodes that regenerate `unit` on version `n` (10.5, 11.5, ...), publisher first. */
function expectedRegenerators(n: number, unit: CertificateUnit): string[] {
  if (unit.endsWith('-ECDSA') && n < 11) return [];
  if (unit === 'CAPF' && n >= 14) return ['pub'];
  if (unit === 'ITLRecovery' && n >= 12.5) return ['pub'];
  return [...NODES];
}

function expectedUnits(n: number): CertificateUnit[] {
  return SAFE_ORDER.filter((u) => expectedRegenerators(n, u).length > 0);
}

/**
 * A 3-node cluster with services not Started on the subscribers: CTIManager on sub1, TFTP on sub2, and on 15
 * HAProxy on sub1. Phones spread over the three nodes; in mixed mode 30% are secure.
 */
function matrixCluster(id: string, version: string, securityMode: 0 | 1): ClusterConfig {
  const fifteen = parseCucmVersion(version).major >= 15;
  return {
    id,
    version,
    securityMode,
    nodes: [
      { name: 'pub', role: 'publisher' },
      {
        name: 'sub1',
        role: 'subscriber',
        services: { [S.cti]: 'STOPPED', ...(fifteen ? { [S.haproxy]: 'STOPPED' as const } : {}) },
      },
      { name: 'sub2', role: 'subscriber', services: { [S.tftp]: 'STOPPED' } },
    ],
    phones: { count: PHONES, secureShare: 0.3, registerDelayMs: [2000, 6000], seed: 7, logStatusChanges: true },
    risport: RISPORT,
    expiredTrustPerStore: 0,
  };
}

const small = (id: string, version: string, securityMode: 0 | 1, phones: number): ClusterConfig => ({
  id,
  version,
  securityMode,
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
  ],
  phones: { count: phones, secureShare: 0.3, registerDelayMs: [2000, 6000], seed: 11 },
  risport: RISPORT,
  expiredTrustPerStore: 0,
});

interface MatrixCase {
  id: string;
  label: string;
  n: number;
  mode: 0 | 1;
  requested: CertificateUnit[];
  /** Serials before the run, per `node:unit`. */
  before: Map<string, string>;
  /** Service states before the run, per `node:service`. */
  servicesBefore: Map<string, string>;
  outcome?: Promise<RegenerationResult[]>;
  /** The control API of the case's simulator: the only view of the cluster the checks take. */
  control?: Control;
  startedAt?: number;
  tookMs?: number;
}

const CASES: MatrixCase[] = VERSIONS.flatMap((v) =>
  MODES.map((mode) => ({
    id: `mx${v.label.replace('.', '')}${mode === 1 ? 'm' : 'n'}`,
    label: `${v.label} ${mode === 1 ? 'mixed' : 'non-secure'}`,
    n: Number(v.label),
    mode,
    // Every unit the version has, in CERTIFICATE_UNITS order reversed: the plan must put them in the safe order.
    requested: [...CERTIFICATE_UNITS].reverse().filter((u) => unitsOfVersion(parseCucmVersion(v.full)).includes(u)),
    before: new Map<string, string>(),
    servicesBefore: new Map<string, string>(),
  })),
);
const caseTitle = (c: MatrixCase) =>
  `${c.label}: every unit once per holder, safe order, CTL and restarts as TN 214231 asks, phones back, new serials`;
const versionOf = (c: MatrixCase) => VERSIONS.find((v) => Number(v.label) === c.n)?.full ?? '';

describe('the procedure across versions and security modes (full rotations on the simulator)', function () {
  this.timeout(240_000);
  /** Every simulator this file started (one for the short cases, one per matrix cluster). */
  const labs: SimulatedCluster[] = [];
  let shortLab: SimulatedCluster;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  let t0 = 0;

  before(async function () {
    this.timeout(120_000);
    t0 = Date.now();
    const [env, workflowBundle, started] = await Promise.all([
      sharedDevServer(),
      sharedWorkflowBundle(),
      startSimulatedCluster(
        [
          small('gates14', '14.0.1.13900-155', 0, 10),
          small('reject14', '14.0.1.13900-155', 0, 10),
          small('baditl14', '14.0.1.13900-155', 0, 20),
          small('capf14m', '14.0.1.13900-155', 1, 40),
        ],
        TIME_SCALE,
      ),
    ]);
    shortLab = started;
    labs.push(started);
    // One worker for every simulator: the inventory grows as each matrix cluster comes up, and a secret reference
    // resolves through the simulator that issued it.
    const inventory: Inventory = { clusters: [...started.inventory.clusters] };
    const resolveSecret = (ref: string): string => {
      for (const lab of labs) {
        try {
          return lab.activityDeps.resolveSecret(ref);
        } catch {
          // not this simulator's secret
        }
      }
      throw new Error(`unknown secret ${ref}`);
    };
    taskQueue = uniqueTaskQueue('matrix');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({ inventory, resolveSecret, risportWindowMs: RISPORT.windowMs }),
      workflowBundle,
    });
    running = worker.run();
    // The matrix clusters come up one after the other (their keys are costly to generate), and each rotation
    // starts as soon as its cluster listens, so rotations overlap the key generation of the clusters after them.
    // Only the cases this run selects (mocha --grep): the others' rotations would run for nothing.
    const suite = this.test?.parent?.fullTitle() ?? '';
    let previous: Promise<unknown> = Promise.resolve();
    for (const c of CASES.filter((m) => selectedByGrep(`${suite} ${caseTitle(m)}`))) {
      const ready = previous.then(() => startSimulatedCluster([matrixCluster(c.id, versionOf(c), c.mode)], TIME_SCALE));
      previous = ready.catch(() => undefined);
      c.outcome = ready.then(async (lab) => {
        labs.push(lab);
        inventory.clusters.push(...lab.inventory.clusters);
        c.control = lab.control;
        for (const [k, v] of await lab.control.serials(c.id, NODES)) c.before.set(k, v);
        for (const node of NODES)
          for (const s of (await lab.control.node(c.id, node)).services)
            c.servicesBefore.set(`${node}:${s.name}`, s.state);
        c.startedAt = Date.now();
        const results = await env.client.workflow.execute(rotateCluster, {
          workflowId: `matrix-${c.id}-${Date.now()}`,
          taskQueue,
          args: [
            {
              clusterId: c.id,
              units: c.requested,
              approvals: [],
              registrationPollSeconds: 0.25,
              requestedBy: 'matrix',
            },
          ],
        });
        c.tookMs = Date.now() - c.startedAt;
        return results;
      });
      c.outcome.catch(() => undefined); // awaited (and reported) by the case itself
    }
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await Promise.all(labs.map((lab) => lab.sim.stop()));
    const took = CASES.filter((c) => c.startedAt !== undefined)
      .map((c) => `${c.label} ${((c.tookMs ?? NaN) / 1000).toFixed(1)} s`)
      .join(', ');
    console.log(`      rotations: ${took}; file ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  // ---- Short cases first: they run while the rotations started in before() go on in the background -------------

  const client = async () => (await sharedDevServer()).client;
  const pendingGate = (handle: WorkflowHandle, kind: GateKind, except?: string) =>
    waitFor(
      `gate ${kind} on ${handle.workflowId}`,
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === kind && g.id !== except),
      60_000,
      100,
    );
  /** The child run of a rotation for `unit`, once the rotation has started it. */
  const childOf = async (rotation: WorkflowHandle, unit: CertificateUnit) => {
    const id = await waitFor(`child for ${unit}`, async () => {
      const current = (await rotation.query(rotationStateQuery)).current;
      return current?.unit === unit ? current.workflowId : undefined;
    });
    return (await client()).workflow.getHandle(id);
  };

  it('a rotation with gates: before-start and before-restarts of each unit approved by update, who and when recorded', async () => {
    const ctl = shortLab.control;
    const since = await ctl.lastSeq('gates14');
    const log = () => ctl.events('gates14', { since });
    const t = new Date().toISOString();
    const rotation = await (
      await client()
    ).workflow.start(rotateCluster, {
      workflowId: `matrix-gates-${Date.now()}`,
      taskQueue,
      args: [
        {
          clusterId: 'gates14',
          units: ['ipsec', 'tomcat'],
          approvals: ['before-start', 'before-restarts'],
          requestedBy: 'alice',
        },
      ],
    });
    const children: Array<[CertificateUnit, WorkflowHandle]> = [];
    for (const unit of ['tomcat', 'ipsec'] as const) {
      const child = await childOf(rotation, unit);
      children.push([unit, child]);
      const atStart = await pendingGate(child, 'before-start');
      assert.deepEqual(
        (await log()).filter((e) => e.kind === 'cert-regenerated' && e.detail.unit === unit),
        [],
        `${unit}: nothing regenerated before its before-start gate`,
      );
      const accepted: PendingGate = await child.executeUpdate(decideGateUpdate, {
        args: [{ gateId: atStart.id, decision: 'approve', by: 'bob', comment: `CHG-${unit}` }],
      });
      assert.equal(accepted.id, atStart.id);
      const atRestarts = await pendingGate(child, 'before-restarts');
      const ofUnit = sliceByUnit(await log()).get(unit) ?? [];
      assert.deepEqual(regenerationsIn(ofUnit), [`pub:${unit}`, `sub1:${unit}`], `${unit}: regenerated, pub first`);
      assert.deepEqual(restartsIn(ofUnit), [], `${unit}: no restart before its before-restarts gate`);
      await child.executeUpdate(decideGateUpdate, {
        args: [{ gateId: atRestarts.id, decision: 'approve', by: 'carol' }],
      });
    }
    const results = await rotation.result();
    assert.deepEqual(
      results.map((r) => r.unit),
      ['tomcat', 'ipsec'],
    );
    assert.deepEqual(restartsIn(await log()), [
      'pub:Cisco Tomcat',
      'sub1:Cisco Tomcat',
      'pub:Cisco DRF Master',
      'pub:Cisco DRF Local',
      'sub1:Cisco DRF Local',
    ]);
    const now = new Date().toISOString();
    for (const [unit, child] of children) {
      const state = await child.query(stateQuery);
      assert.equal(state.phase, 'completed');
      assert.equal(state.requestedBy, 'alice');
      assert.deepEqual(
        state.decisions.map((d) => [d.kind, d.decision, d.by, d.comment]),
        [
          ['before-start', 'approve', 'bob', `CHG-${unit}`],
          ['before-restarts', 'approve', 'carol', undefined],
        ],
      );
      const [first, second] = state.decisions.map((d) => d.at);
      assert.ok(first && second && t <= first && first <= second && second <= now, `${unit}: decision times`);
      assert.deepEqual(
        state.steps.filter((s) => s.kind === 'gate').map((s) => [s.status, s.detail]),
        [
          ['completed', `approve by bob: CHG-${unit}`],
          ['completed', 'approve by carol'],
        ],
      );
    }
  });

  it('a reject at before-start ends the rotation with RejectedAtGate, and nothing is written to the cluster', async () => {
    const ctl = shortLab.control;
    const since = await ctl.lastSeq('reject14');
    const before = await ctl.serials('reject14', ['pub', 'sub1']);
    const rotation = await (
      await client()
    ).workflow.start(rotateCluster, {
      workflowId: `matrix-reject-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'reject14', units: ['CallManager', 'tomcat'], approvals: ['before-start'] }],
    });
    const child = await childOf(rotation, 'tomcat');
    const gate = await pendingGate(child, 'before-start');
    await child.executeUpdate(decideGateUpdate, {
      args: [{ gateId: gate.id, decision: 'reject', by: 'dave', comment: 'not tonight' }],
    });
    // The failure's type, wherever it sits in the cause chain (the rotation re-raises its unit's failure).
    const rejectedAtGate = (err: unknown): boolean =>
      err instanceof Error &&
      ((err instanceof ApplicationFailure && err.type === 'RejectedAtGate') || rejectedAtGate(err.cause));
    await assert.rejects(
      child.result(),
      (err: unknown) => err instanceof WorkflowFailedError && rejectedAtGate(err.cause),
    );
    await assert.rejects(rotation.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(rejectedAtGate(err.cause), `RejectedAtGate in ${String(err.cause)}`);
      assert.match(err.cause?.message ?? '', /Rejected at gate tomcat\.before-start-1 by dave: not tonight/);
      return true;
    });
    assert.deepEqual(writesIn(await ctl.events('reject14', { since })), [], 'nothing written to the cluster');
    assert.ok(
      (await ctl.events('reject14', { since, kind: 'cli-command' })).length > 0,
      'the run did read the cluster (discovery) before the gate',
    );
    assert.deepEqual(await ctl.serials('reject14', ['pub', 'sub1']), before);
    const rotationState = await rotation.query(rotationStateQuery);
    assert.deepEqual(rotationState.done, []);
    assert.equal(rotationState.phase, 'aborted');
    assert.ok(
      rotationState.manualActions?.some((a) => /Not started.*CallManager/.test(a)),
      String(rotationState.manualActions),
    );
    const state = await child.query(stateQuery);
    assert.equal(state.phase, 'aborted');
    assert.deepEqual(
      state.decisions.map((d) => [d.kind, d.decision, d.by]),
      [['before-start', 'reject', 'dave']],
    );
  });

  it('phones that never come back stop the run at accept-missing-phones: retry waits again, approve accepts them', async () => {
    const ctl = shortLab.control;
    await ctl.fault('baditl14', { kind: 'phones-never-return', count: 2 });
    const handle = await (
      await client()
    ).workflow.start(regenerateCertificate, {
      workflowId: `matrix-baditl-${Date.now()}`,
      taskQueue,
      args: [
        {
          clusterId: 'baditl14',
          units: ['TVS'],
          approvals: [],
          // The fleet's own wait is under test: with canaries, a stranded canary would stop the run earlier, at
          // canary-phones-missing (canary-phones.test.ts covers that gate).
          canaryPhones: false,
          registrationDeadlineMinutes: 0.05,
          registrationPollSeconds: 0.25,
        } satisfies RegenerationRequest,
      ],
    });
    const first = await pendingGate(handle, 'accept-missing-phones');
    // The phones the cluster itself shows as not registered (CM Administration's view), in the product's order.
    const missing = (await ctl.phones('baditl14')).notRegistered.map((p) => p.name);
    assert.equal(missing.length, 2, `two phones stayed away: ${missing.join(', ')}`);
    assert.deepEqual(first.allowed, ['approve', 'retry', 'abort']);
    for (const name of missing) assert.ok(first.description.includes(name), `${name} listed in ${first.description}`);
    assert.match(first.description, /^2 phones are still not registered/);
    await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: first.id, decision: 'retry', by: 'erin' }] });
    const second = await pendingGate(handle, 'accept-missing-phones', first.id);
    assert.notEqual(second.id, first.id);
    const waits = (await handle.query(stateQuery)).steps.filter((s) => s.kind === 'await-registration');
    assert.equal(waits.length, 2, 'retry waited for the phones a second time');
    assert.ok(waits.every((w) => w.status === 'failed' && missing.every((m) => w.detail?.includes(m))));
    await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: second.id, decision: 'approve', by: 'frank' }] });
    const result = await handle.result();
    assert.deepEqual(result.phones, {
      allBack: false,
      registered: 18,
      missingCount: 2,
      acceptedMissing: missing,
    });
    assert.deepEqual((await ctl.phones('baditl14')).counts, { Registered: 18, UnRegistered: 2, Rejected: 0 });
    const state = await handle.query(stateQuery);
    assert.deepEqual(
      state.decisions.map((d) => [d.kind, d.decision, d.by]),
      [
        ['accept-missing-phones', 'retry', 'erin'],
        ['accept-missing-phones', 'approve', 'frank'],
      ],
    );
  });

  it('14 mixed, CAPF alone with phoneReset secure-only: only the secure phones are reset (single-unit run)', async () => {
    const ctl = shortLab.control;
    const since = await ctl.lastSeq('capf14m');
    const fleet = await ctl.phoneList('capf14m');
    const secure = fleet.filter((p) => p.secure).map((p) => p.name);
    assert.ok(secure.length > 0 && secure.length < fleet.length);
    const result = await (
      await client()
    ).workflow.execute(regenerateCertificate, {
      workflowId: `matrix-capf-${Date.now()}`,
      taskQueue,
      args: [
        {
          clusterId: 'capf14m',
          units: ['CAPF'],
          phoneReset: 'secure-only',
          approvals: [],
          registrationPollSeconds: 0.25,
        },
      ],
    });
    const events = await ctl.events('capf14m', { since });
    assert.deepEqual(regenerationsIn(events), ['pub:CAPF'], 'CAPF on the publisher only from 14');
    assert.equal(events.filter((e) => e.kind === 'ctl-updated').length, 1);
    assert.deepEqual(
      events
        .filter((e) => e.kind === 'phone-reset')
        .map((e) => e.detail.phone)
        .sort(),
      secure.sort(),
      'only the secure phones are reset',
    );
    assert.equal(result.phones?.allBack, true);
    assert.deepEqual((await ctl.phones('capf14m')).counts, { Registered: 40, UnRegistered: 0, Rejected: 0 });
  });

  // ---- The matrix: one full rotation per version and security mode ------------------------------------------
  for (const c of CASES) {
    it(caseTitle(c), async () => {
      const results = await (c.outcome as Promise<RegenerationResult[]>);
      const control = c.control as Control;
      const events = await control.events(c.id);
      const after = await control.serials(c.id, NODES);
      const fleet = await control.phoneList(c.id);
      const units = expectedUnits(c.n);
      assert.deepEqual(
        [...c.requested].sort(),
        [...units].sort(),
        'unitsOfVersion agrees with the units this version has',
      );

      // The units in the safe order, TVS last; the workflow's results in the same order.
      assert.deepEqual(unitOrder(events), units, 'units in the safe order');
      assert.equal(unitOrder(events).at(-1), 'TVS', 'TVS last');
      assert.deepEqual(
        results.map((r) => r.unit),
        units,
      );

      const slices = sliceByUnit(events);
      const started = (node: string, service: string) => c.servicesBefore.get(`${node}:${service}`) === 'STARTED';
      for (const unit of units) {
        const slice = slices.get(unit) ?? [];
        const where = `${c.label} ${unit}`;

        // Regenerated exactly once on each node that holds it, publisher first (ITLRecovery from 12.5 and CAPF
        // from 14 on the publisher only).
        const regens = regenerationsIn(events).filter((r) => r.endsWith(`:${unit}`));
        assert.deepEqual(
          regens,
          expectedRegenerators(c.n, unit).map((node) => `${node}:${unit}`),
          `${where}: regenerations`,
        );

        // The CTL exactly when needed, on the publisher, after the regenerations and before the restarts.
        const ctl = slice.filter((e) => e.kind === 'ctl-updated');
        const ctlNeeded = c.mode === 1 && IN_CTL.has(unit);
        assert.equal(ctl.length, ctlNeeded ? 1 : 0, `${where}: CTL updates`);
        const firstRestart = slice.find((e) => e.kind === 'service-state');
        const lastRegen = slice.filter((e) => e.kind === 'cert-regenerated').at(-1);
        if (ctl[0]) {
          assert.equal(ctl[0].node, 'pub');
          assert.ok(lastRegen && ctl[0].seq > lastRegen.seq, `${where}: CTL after the regenerations`);
          assert.ok(firstRestart && ctl[0].seq < firstRestart.seq, `${where}: CTL before the restarts`);
        }
        assert.ok(
          !firstRestart || !lastRegen || lastRegen.seq < firstRestart.seq,
          `${where}: every node regenerated before the first restart`,
        );

        // Restarts: the unit's services in order, each publisher first, only where the service was Started.
        const expectedRestarts = [...RESTARTS[unit], ...(c.n >= 15 ? (RESTARTS_FROM_15[unit] ?? []) : [])].flatMap(
          ([service, scope]) =>
            (scope === 'pub' ? ['pub'] : [...NODES])
              .filter((node) => started(node, service))
              .map((n) => `${n}:${service}`),
        );
        assert.deepEqual(restartsIn(slice), expectedRestarts, `${where}: restarts`);

        // Phones: reset once each for the units that reach the ITL/CTL, none for the others.
        const resets = slice.filter((e) => e.kind === 'phone-reset');
        assert.equal(resets.length, PHONE_UNITS.has(unit) ? PHONES : 0, `${where}: phone resets`);
        const lastRestart = slice.filter((e) => e.kind === 'service-state').at(-1);
        if (resets[0] && lastRestart) assert.ok(lastRestart.seq < resets[0].seq, `${where}: phones reset last`);

        // The workflow's result: the same serials the cluster shows, the same restarts, the CTL, the phones.
        const result = results.find((r) => r.unit === unit);
        assert.ok(result, `${where}: a result`);
        assert.deepEqual(
          result.nodes.map((o) => [
            o.nodeId,
            o.serialBefore?.toLowerCase(),
            o.serialAfter?.toLowerCase(),
            o.regeneratedNow,
          ]),
          expectedRegenerators(c.n, unit).map((node) => [
            node,
            c.before.get(`${node}:${unit}`),
            after.get(`${node}:${unit}`),
            true,
          ]),
          `${where}: serials in the result`,
        );
        assert.deepEqual(
          result.restarts.filter((r) => r.restarted).map((r) => `${r.nodeId}:${r.service}`),
          expectedRestarts,
          `${where}: restarts in the result`,
        );
        assert.equal(result.ctlUpdated, ctlNeeded ? true : undefined, `${where}: ctlUpdated`);
        if (PHONE_UNITS.has(unit))
          assert.deepEqual(result.phones, { allBack: true, registered: PHONES, missingCount: 0 });
        else assert.equal(result.phones, undefined);
      }

      // Never a CTL update in non-secure mode; never a restart (or any transition) of a service that was not Started.
      if (c.mode === 0) assert.equal(events.filter((e) => e.kind === 'ctl-updated').length, 0);
      const touchedStopped = events.filter(
        (e) => e.kind === 'service-state' && !started(e.node, e.detail.service ?? ''),
      );
      assert.deepEqual(touchedStopped, [], 'no service that was not Started was touched');

      // Each unit starts only once every phone is back from the previous unit's reset.
      for (const [i, unit] of units.entries()) {
        const previous = units[i - 1];
        if (!previous || !PHONE_UNITS.has(previous)) continue;
        const start = slices.get(unit)?.[0];
        assert.ok(start);
        assert.deepEqual(
          [...phonesDownBefore(events, start.seq)],
          [],
          `${c.label}: every phone back before ${unit} starts`,
        );
      }
      // While the ITL is signed by CallManager (before 12.0): TVS only after every phone re-registered after its
      // CallManager reset.
      if (c.n < 12) {
        const tvsStart = slices.get('TVS')?.[0];
        assert.ok(tvsStart);
        for (const phone of fleet) {
          const reset = slices
            .get('CallManager')
            ?.find((e) => e.kind === 'phone-reset' && e.detail.phone === phone.name);
          assert.ok(reset, `${phone.name} reset after CallManager`);
          const back = events.find(
            (e) =>
              e.kind === 'phone-status' &&
              e.detail.phone === phone.name &&
              e.detail.status === 'Registered' &&
              e.seq > reset.seq,
          );
          assert.ok(back && back.seq < tvsStart.seq, `${phone.name} back before TVS was regenerated`);
        }
      }

      // Phones all back; every serial new.
      assert.deepEqual((await control.phones(c.id)).counts, { Registered: PHONES, UnRegistered: 0, Rejected: 0 });
      const phoneUnits = units.filter((u) => PHONE_UNITS.has(u)).length;
      assert.ok(
        fleet.every((p) => p.resets === phoneUnits),
        'each phone reset once per phone unit',
      );
      assert.deepEqual([...after.keys()].sort(), [...c.before.keys()].sort());
      const unchanged = [...after].filter(([k, serial]) => c.before.get(k) === serial).map(([k]) => k);
      assert.deepEqual(unchanged, [], `${c.label}: every certificate of every node has a new serial`);
      if (c.n >= 12.5)
        for (const sub of ['sub1', 'sub2'])
          assert.equal(after.get(`${sub}:ITLRecovery`), after.get('pub:ITLRecovery'), "the publisher's ITLRecovery");
    });
  }
});
