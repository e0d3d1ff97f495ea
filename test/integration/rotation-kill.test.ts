/**
 * A rotation survives its worker being killed, again and again: a 3-node mixed-mode 14.0 cluster with 300 phones
 * rotates tomcat, CallManager and TVS (no gates) while the production worker (worker/main.ts, a child process) is
 * killed with SIGKILL at three moments chosen from the simulator's event log, not by sleeps:
 *
 *   1. right after the first `cert-regenerated` on a subscriber (the regenerate activity has changed the node but
 *      not yet reported: its retry must find the new serial and not regenerate again);
 *   2. right after a subscriber's Cisco CallManager begins its restart (STOPPING), in the CallManager unit;
 *   3. inside the first batch of the TVS unit's bulk phone reset (the retry asks RisPort which phones were reset
 *      and skips them).
 *
 * A new worker starts after each kill. Each kill's premise is asserted, not printed: from the unit runs' histories,
 * the activity running at the kill (the regeneration, the restart, the bulk reset) never completed that attempt and
 * ended at a later one, and the simulator had logged the change before the worker died. Then the outcomes, from the
 * event log (read over the simulator's control API) and the results: the killed regeneration's retry found the new
 * serial and did not regenerate (regeneratedNow false); the killed restart's retry found CallManager restarted and
 * did not restart it again; every (unit, node) was regenerated exactly once; no phone was reset twice within one
 * unit's reset; every final serial differs from the initial one.
 *
 * The phone kill is triggered once ROTATION_KILL_RESET_SHARE (default 0.17) of the phones were reset; the worker
 * dies a few batches later at most (the test learns of the resets over the control API). Either the retry has no
 * cursor (the worker died before its first heartbeat reached the server) and resumes from phone 0, or it resumes
 * from the cursor; both ask RisPort which phones changed since the activity began and skip them.
 * The restart kill checks the other idempotency: the retry finds Cisco CallManager restarting or restarted since
 * the step began (Control Center's UpTime) and does not restart it again.
 *
 * Time. Temporal notices a dead worker's activity only when its heartbeat timeout expires (the workflows set
 * 1 minute for regenerate/restart and 2 minutes for phones), then waits the retry's initial interval (5-10 s).
 * Waiting for that three times would take ~5 minutes, so after each kill the test shortens the stranded activity's
 * heartbeat timeout and retry interval through Temporal's UpdateActivityOptions API (what an operator can do with
 * `temporal activity update-options`). The recovery path is the same: the attempt times out on the server, the
 * retry runs on the new worker with the last heartbeat details. ROTATION_KILL_REAL_TIMEOUTS=1 skips the
 * shortening and waits the real timeouts (about 5-6 minutes).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { unitRunId } from '../../domain/contract/rotation';
import { rotateCluster } from '../../workflows/rotate-cluster';
import type { CertificateUnit } from '../../domain/units';
import { startControl, type Control, type SimEvent } from '../support/control';
import { activitiesOf, expediteStrandedActivities, type ActivityRecord } from '../support/kills';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const PHONES = 300;
const UNITS: CertificateUnit[] = ['tomcat', 'CallManager', 'TVS'];
const NODES = ['pub', 'sub1', 'sub2'];
const REAL_TIMEOUTS = !!process.env.ROTATION_KILL_REAL_TIMEOUTS;
/** Where in the TVS unit's bulk reset the third kill lands (share of the phones reset). See the header. */
const RESET_KILL_SHARE = Number(process.env.ROTATION_KILL_RESET_SHARE ?? 0.17);

describe(`a rotation across worker kills (3 nodes, mixed mode, ${PHONES} phones)`, function () {
  // Four worker starts (each bundles the workflows) and three recoveries: minutes on a loaded 2-core machine.
  this.timeout(REAL_TIMEOUTS ? 600_000 : 300_000);
  let sim: RunningSimulator;
  let control: Control;
  let workers: WorkerProcesses | undefined;

  before(async () => {
    sim = await startSimulator(
      [
        {
          id: 'kill',
          version: '14.0.1.13900-155',
          securityMode: 1,
          nodes: NODES.map((name, i) => ({ name, role: i === 0 ? 'publisher' : 'subscriber' })),
          phones: { count: PHONES, secureShare: 0.3, registerDelayMs: [5_000, 40_000] },
        },
      ],
      { timeScale: 0.02 },
    );
    control = await startControl(sim);
  });
  after(async () => {
    await workers?.stopAll();
    await control?.close();
    await sim?.stop();
  });

  it('completes, regenerates each (unit, node) once and resets no phone twice in a unit', async () => {
    const temporal = await sharedDevServer();
    const client = temporal.client;
    const taskQueue = uniqueTaskQueue('rotation-kill');
    workers = workerProcesses(sim, { temporalAddress: temporal.address, taskQueue });
    const serialsBefore = new Map<string, string>();
    for (const n of NODES) for (const u of UNITS) serialsBefore.set(`${n}:${u}`, await control.serial('kill', n, u));
    const nextEvent = (match: (e: SimEvent) => boolean, what: string, since = 0) =>
      control.nextEvent('kill', match, what, since);

    const started = Date.now();
    let worker: ChildProcess = await workers.start();
    const workflowId = `rotation-kill-${Date.now()}`;
    const handle = await client.workflow.start(rotateCluster, {
      workflowId,
      taskQueue,
      // One canary per node, model and security profile (24 here): the third kill lands in the fleet's bulk reset.
      args: [
        {
          clusterId: 'kill',
          units: UNITS,
          approvals: [],
          registrationPollSeconds: 1,
          canaryPhones: { perNodeModel: 1 },
        },
      ],
    });
    const children = UNITS.map((u) => unitRunId(workflowId, u));
    const kills: string[] = [];
    /** Sequence number of the last event the simulator logged before each kill. */
    const lastBeforeKill: number[] = [];
    const killAt = async (event: SimEvent, label: string) => {
      await workers!.kill(worker);
      lastBeforeKill.push(await control.lastSeq('kill'));
      const at = ((Date.now() - started) / 1000).toFixed(1);
      const touched = REAL_TIMEOUTS ? [] : await expediteStrandedActivities(client, [workflowId, ...children]);
      kills.push(`${label} (event #${event.seq}, ${at} s; stranded: ${touched.join(', ') || 'none'})`);
      worker = await workers!.start();
    };

    // 1. The first regeneration on a subscriber (tomcat: the first unit).
    const regen = await nextEvent(
      (e) => e.kind === 'cert-regenerated' && e.node !== 'pub',
      'a regeneration on a subscriber',
    );
    await killAt(regen, `after ${regen.detail.unit} regenerated on ${regen.node}`);

    // 2. A subscriber's CallManager restart, in the CallManager unit.
    const cmRegen = await nextEvent(
      (e) => e.kind === 'cert-regenerated' && e.detail.unit === 'CallManager',
      'the CallManager unit',
      regen.seq,
    );
    const restart = await nextEvent(
      (e) =>
        e.kind === 'service-state' &&
        e.node !== 'pub' &&
        e.detail.service === 'Cisco CallManager' &&
        e.detail.state === 'STOPPING',
      'a CallManager restart on a subscriber',
      cmRegen.seq,
    );
    await killAt(restart, `during the restart of Cisco CallManager on ${restart.node}`);

    // 3. A third of the way through the TVS unit's bulk phone reset.
    const tvsRegen = await nextEvent(
      (e) => e.kind === 'cert-regenerated' && e.detail.unit === 'TVS',
      'the TVS unit',
      restart.seq,
    );
    let resets = 0;
    const reset = await nextEvent(
      (e) => e.kind === 'phone-reset' && ++resets >= Math.round(PHONES * RESET_KILL_SHARE),
      'the TVS unit phone resets',
      tvsRegen.seq,
    );
    await killAt(reset, `after ${resets} phone resets of the TVS unit`);
    assert.ok(resets < PHONES, 'the third kill landed inside the bulk reset');

    const results = await handle.result();
    const seconds = (Date.now() - started) / 1000;

    // The rotation completed, every unit.
    assert.deepEqual(
      results.map((r) => r.unit),
      UNITS,
    );
    const events = await control.events('kill');

    // Each kill's premise: the activity running at the kill never completed that attempt (the one that completed
    // is a later attempt), and the change it made was logged before the worker died.
    const history = new Map<CertificateUnit, ActivityRecord[]>();
    for (const u of UNITS) history.set(u, await activitiesOf(client, unitRunId(workflowId, u)));
    const only = (unit: CertificateUnit, type: string, match: (input: Record<string, unknown>) => boolean) => {
      const found = history.get(unit)!.filter((a) => a.type === type && match(a.input));
      assert.equal(found.length, 1, `one ${type} in the ${unit} unit`);
      return found[0]!;
    };
    const regenerated = only(
      regen.detail.unit as CertificateUnit,
      'regenerateCertificate',
      (i) => i.nodeId === regen.node,
    );
    assert.ok(regen.seq <= lastBeforeKill[0]!, 'kill 1: the regeneration was on the node before the worker died');
    assert.equal(regenerated.outcome, 'completed');
    assert.ok(regenerated.attempt! >= 2, `kill 1: the killed regeneration ended at attempt ${regenerated.attempt}`);
    // Outcome: the retry found the new serial and did not regenerate again.
    assert.equal(regenerated.result?.regeneratedNow, false, 'kill 1: the retry found the node already regenerated');
    assert.equal(
      String(regenerated.result?.serialAfter).toLowerCase(),
      regen.detail.serialAfter?.toLowerCase(),
      'kill 1: the retry reports the serial the killed attempt made',
    );

    const restarted = only(
      'CallManager',
      'restartService',
      (i) => i.nodeId === restart.node && i.service === 'Cisco CallManager',
    );
    assert.ok(restart.seq <= lastBeforeKill[1]!, 'kill 2: the restart had begun before the worker died');
    assert.ok(restarted.attempt! >= 2, `kill 2: the killed restart ended at attempt ${restarted.attempt}`);
    assert.equal(restarted.result?.restarted, true);
    assert.match(
      String(restarted.result?.reason),
      /already restarted by an earlier attempt/,
      'kill 2: the retry found Cisco CallManager restarted and did not restart it again',
    );

    // The fleet's bulk reset (the canaries, reset before it, are named in their own selection).
    const resetRun = only('TVS', 'resetPhones', (i) => !(i.selection as { names?: unknown } | undefined)?.names);
    const resetBeforeKill = events.filter(
      (e) => e.kind === 'phone-reset' && e.seq > tvsRegen.seq && e.seq <= lastBeforeKill[2]!,
    ).length;
    assert.ok(reset.seq <= lastBeforeKill[2]!, 'kill 3: phones were being reset when the worker died');
    assert.ok(resetBeforeKill < PHONES, `kill 3: the worker died inside the bulk reset (${resetBeforeKill} reset)`);
    assert.ok(resetRun.attempt! >= 2, `kill 3: the killed bulk reset ended at attempt ${resetRun.attempt}`);
    const resetOutcome = `resetPhones ended at attempt ${resetRun.attempt} with ${JSON.stringify(resetRun.result)}; ${resetBeforeKill} phones reset before the kill`;

    // Every (unit, node) regenerated exactly once.
    const regenerations = new Map<string, number>();
    for (const e of events.filter((e) => e.kind === 'cert-regenerated')) {
      const key = `${e.detail.unit}@${e.node}`;
      regenerations.set(key, (regenerations.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      Object.fromEntries([...regenerations].sort()),
      Object.fromEntries(UNITS.flatMap((u) => NODES.map((n) => [`${u}@${n}`, 1] as const)).sort()),
      'each unit regenerated once on each node',
    );

    // No phone reset twice within one unit's reset: slice the log at each unit's first regeneration.
    const firstRegen = UNITS.map((u) => events.find((e) => e.kind === 'cert-regenerated' && e.detail.unit === u)!.seq);
    const resetsPerUnit: Record<string, number> = {};
    UNITS.forEach((unit, i) => {
      const slice = events.filter(
        (e) => e.kind === 'phone-reset' && e.seq > firstRegen[i]! && e.seq < (firstRegen[i + 1] ?? Infinity),
      );
      const names = slice.map((e) => e.detail.phone);
      const twice = names.filter((n, j) => names.indexOf(n) !== j);
      assert.deepEqual(twice, [], `no phone reset twice in the ${unit} unit (${resetOutcome})`);
      resetsPerUnit[unit] = names.length;
    });
    assert.equal(resetsPerUnit.TVS, PHONES, 'the killed TVS reset still reset every phone once');

    // The final serials differ from the initial ones, and are what the run reported.
    for (const [key, before] of serialsBefore) {
      const [node, unit] = key.split(':') as [string, CertificateUnit];
      const now = await control.serial('kill', node, unit);
      assert.notEqual(now, before, `${key} has a new serial`);
      const reported = results.find((r) => r.unit === unit)?.nodes.find((n) => n.nodeId === node);
      assert.equal(reported?.serialAfter.toLowerCase(), now, `${key}: the run reports the serial the node holds`);
    }
    assert.deepEqual((await control.phones('kill')).counts, { Registered: PHONES, UnRegistered: 0, Rejected: 0 });

    const notNow = results.flatMap((r) => r.nodes.filter((n) => !n.regeneratedNow).map((n) => `${r.unit}@${n.nodeId}`));
    const restartsPerService = events.filter(
      (e) => e.kind === 'service-state' && e.detail.state === 'STOPPING' && e.detail.service === 'Cisco CallManager',
    ).length;
    assert.equal(restartsPerService, NODES.length, 'Cisco CallManager restarted once per node, kill or not');
    const resumed = results.find((r) => r.unit === 'TVS');
    console.log(
      `      [figures] rotation in ${seconds.toFixed(1)} s with 3 kills:\n` +
        kills.map((k) => `        - ${k}\n`).join('') +
        `        found already regenerated by a killed attempt: ${notNow.join(', ') || 'none'}; ` +
        `CallManager restarts: ${restartsPerService}; phone resets per unit ${JSON.stringify(resetsPerUnit)}; ` +
        `TVS phones: ${JSON.stringify(resumed?.phones)}`,
    );
  });
});
