/**
 * The production suite (`npm run test:production`): the product on the real Temporal server, not the CLI's dev
 * server. Every part is real and provisioned by the project's own scripts (test/support/temporal-cluster.ts): the
 * server built from its Go module, Debian's PostgreSQL, the schemas, namespace and search attributes set up by the
 * operators' script (scripts/temporal-setup.ts); two server processes share the database as one cluster, reached
 * through one address (a TCP balancer over both frontends, as behind a load balancer). On it run two production
 * workers (worker/main.ts) and two API processes (api/main.ts), as child processes, and the CUCM simulator.
 *
 * 0. The setup script runs again on the set-up cluster without change (what an upgrade does), and the search-attribute
 *    script stops at once naming a namespace that does not exist.
 * 1. A rotation (tomcat, ipsec on two nodes) started over REST on one API process, its gates approved on the other,
 *    completes.
 * 2. The server process holding the run's history shard (computed as Temporal does) is killed with SIGKILL as the
 *    tomcat unit begins restarting Cisco Tomcat (the simulator's event log tells the moment; asserted: the node's
 *    Tomcat was back only after the kill); the other process takes its shards (asserted from its log); the run
 *    completes; then the killed process starts again and rejoins.
 * 3. PostgreSQL is stopped while a run waits at its gate (the outage is seen: a visibility query fails while the
 *    database is down) and started again; the gate is approved afterwards; the run completes.
 *
 * For every run: each (node, unit) was regenerated exactly once (the simulator's event log over its control API),
 * each Cisco Tomcat restarted once, and no gate was decided twice (the workflow histories). The suite prints a
 * timeline of kills, restarts and completions.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import type { ClusterConfig } from '../../simulator/model';
import { unitRunId } from '../../domain/contract/rotation';
import type { CertificateUnit } from '../../domain/units';
import { startApiProcess, stopApiProcess, type ApiProcess } from '../support/api-process';
import { startControl, type Control } from '../support/control';
import { regenerationsIn, restartsIn } from '../support/event-log';
import { waitFor } from '../support/net';
import { historyShardOf, startRealTemporal, type RealTemporal } from '../support/temporal-cluster';
import { getJson, postJson } from '../support/system';
import { startTimeline, type Timeline } from '../support/timeline';
import { uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const root = join(__dirname, '..', '..');
const NODES = ['pub', 'sub1'];
const twoNodes = (id: string): ClusterConfig => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
  ],
});
const ROTATION = 'prodrotation';
const SERVER_KILL = 'prodkill';
const DB_RESTART = 'prodrestart';

/** The gate decisions each workflow's history received (accepted `decideGate` updates and decision signals). */
async function decisionsPerGate(client: Client, workflowIds: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const count = (workflowId: string, args: { payloads?: Payload[] | null } | null | undefined) => {
    const first = args?.payloads?.[0];
    if (!first) return;
    const decision = defaultPayloadConverter.fromPayload<{ gateId?: string }>(first);
    const key = `${workflowId} ${decision.gateId ?? '(unnamed)'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (const workflowId of workflowIds) {
    const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const e of events ?? []) {
      const request = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (request?.name === 'decideGate') count(workflowId, request.args);
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal && ['decideGate-signal', 'approve', 'reject', 'abort'].includes(signal.signalName ?? ''))
        count(workflowId, signal.input);
    }
  }
  return counts;
}

describe('production: the real Temporal server on PostgreSQL (two server processes, two workers, two API processes)', function () {
  // The first run on a machine builds the server from its Go module (about 7 minutes on 2 cores) before anything.
  this.timeout(30 * 60_000);
  let temporal: RealTemporal;
  let sim: RunningSimulator;
  let control: Control;
  let workers: WorkerProcesses;
  const apis: ApiProcess[] = [];
  const alive: ChildProcess[] = [];
  let timeline: Timeline;

  before(async function () {
    const started = Date.now();
    temporal = await startRealTemporal();
    timeline = startTimeline();
    timeline.mark(
      `cluster up (${((Date.now() - started) / 1000).toFixed(0)} s to provision and start): ${temporal.servers.map((s) => `${s.name} pid ${s.pid()} shards ${s.shardsHeld().join(',') || 'none yet'}`).join('; ')}`,
    );
    sim = await startSimulator([twoNodes(ROTATION), twoNodes(SERVER_KILL), twoNodes(DB_RESTART)], { timeScale: 0.02 });
    control = await startControl(sim);
    workers = workerProcesses(sim, { temporalAddress: temporal.address, taskQueue: uniqueTaskQueue('production') });
    const [w1, w2, a1, a2] = await Promise.all([
      workers.start(),
      workers.start(),
      startApiProcess(workers.env),
      startApiProcess(workers.env),
    ]);
    alive.push(w1, w2);
    apis.push(a1, a2);
    timeline.mark(`workers pid ${w1.pid}, ${w2.pid} and API processes pid ${a1.child.pid}, ${a2.child.pid} started`);
  });

  after(async function () {
    await Promise.all(apis.map(stopApiProcess));
    await workers?.stopAll();
    await control?.close();
    await sim?.stop();
    await temporal?.stop();
    if (timeline)
      console.log(
        `\n      Timeline of the production suite:\n${timeline
          .lines()
          .map((l) => `        ${l}`)
          .join('\n')}\n`,
      );
  });

  const api = (i: number) => apis[i % apis.length]!.baseUrl;
  const doc = async (i: number, id: string) => (await getJson(`${api(i)}/v1/regenerations/${id}`)).json;
  const finished = (i: number, id: string, what: string) =>
    waitFor(
      what,
      async () => {
        const d = await doc(i, id);
        return ['completed', 'failed', 'aborted', 'cancelled'].includes(d.status as string) ? d : undefined;
      },
      600_000,
      500,
    );
  const pendingGate = (i: number, id: string, exclude: string[] = []) =>
    waitFor(
      `a pending gate of ${id}`,
      async () => {
        const pending = ((await doc(i, id)).pendingGates as Array<{ id: string }> | undefined) ?? [];
        return pending.find((g) => !exclude.includes(g.id))?.id;
      },
      600_000,
      500,
    );

  /** Each (node, unit) regenerated once and each node's Tomcat restarted once per tomcat run, from the event log. */
  async function assertEachChangeOnce(clusterId: string, units: CertificateUnit[]): Promise<string> {
    const events = await control.events(clusterId);
    const regenerations = regenerationsIn(events).sort();
    const expected = NODES.flatMap((n) => units.map((u) => `${n}:${u}`)).sort();
    assert.deepEqual(regenerations, expected, `${clusterId}: each (node, unit) regenerated exactly once`);
    const tomcatRestarts = restartsIn(events).filter((r) => r.endsWith(':Cisco Tomcat'));
    if (units.includes('tomcat'))
      assert.deepEqual(
        tomcatRestarts.sort(),
        NODES.map((n) => `${n}:Cisco Tomcat`).sort(),
        `${clusterId}: Tomcat restarted once per node`,
      );
    return `${regenerations.length} regenerations (${regenerations.join(', ')}), ${tomcatRestarts.length} Tomcat restarts`;
  }

  async function assertNoGateDecidedTwice(workflowIds: string[]): Promise<Map<string, number>> {
    const decisions = await decisionsPerGate(temporal.client, workflowIds);
    const twice = [...decisions].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'no gate was decided twice in any history');
    return decisions;
  }

  it('the setup script runs again as an upgrade would (changes nothing), and the search-attribute script names a missing namespace', async () => {
    // Asynchronously: the balancer the scripts connect through runs in this process's event loop.
    const script = (name: string, args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', name), ...args], {
          cwd: root,
          env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      });
    const again = await script('temporal-setup.ts', ['all'], {
      TEMPORAL_SQL_HOST: temporal.postgres.host,
      TEMPORAL_SQL_PORT: String(temporal.postgres.port),
      TEMPORAL_NAMESPACE: temporal.namespace,
    });
    assert.equal(again.status, 0, `temporal-setup.ts all failed on a set-up cluster:\n${again.stdout}${again.stderr}`);
    assert.match(again.stdout, /database temporal: schema postgresql\/v12\/temporal is up to date/);
    assert.match(again.stdout, /namespace present; search attributes CucmClusterId, CucmCertUnits, CucmRunPhase\n/);
    const missing = await script('register-search-attributes.ts', [], { TEMPORAL_NAMESPACE: 'not-created' });
    assert.equal(missing.status, 1, `register-search-attributes.ts: ${missing.stdout}${missing.stderr}`);
    assert.match(
      missing.stderr,
      /namespace "not-created" does not exist on Temporal at .*scripts\/temporal-setup\.ts namespace/,
    );
    assert.doesNotMatch(
      missing.stdout,
      /waiting for Temporal/,
      'it failed at once instead of waiting for the namespace',
    );
    timeline.mark(
      'temporal-setup.ts all ran again (no change); register-search-attributes.ts named the missing namespace',
    );
  });

  it('completes a rotation started over REST on one API process, its gates approved on the other', async () => {
    const units: CertificateUnit[] = ['tomcat', 'ipsec'];
    const started = await postJson(`${api(0)}/v1/clusters/${ROTATION}/regenerations`, {
      units,
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    timeline.mark(`rotation ${id} (${units.join(', ')}) started through API 1`);
    const approved: string[] = [];
    while (approved.length < units.length) {
      const gate = await pendingGate(1, id, approved);
      const decided = await postJson(`${api(1)}/v1/regenerations/${id}/gates/${encodeURIComponent(gate)}`, {
        decision: 'approve',
      });
      assert.equal(decided.status, 200, JSON.stringify(decided.json));
      approved.push(gate);
      timeline.mark(`gate ${gate} approved through API 2`);
    }
    const done = await finished(0, id, 'the rotation to end');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    timeline.mark(`rotation ${id} completed`);
    const changes = await assertEachChangeOnce(ROTATION, units);
    const decisions = await assertNoGateDecidedTwice([id, ...units.map((u) => unitRunId(id, u))]);
    assert.equal(
      [...decisions.keys()].filter((k) => k.startsWith(`${id} `)).length,
      units.length,
      `each unit's gate decided through the rotation: ${JSON.stringify([...decisions])}`,
    );
    console.log(`      ${changes}; gate decisions per history: ${JSON.stringify([...decisions])}`);
  });

  it('completes a unit whose service restarts outlive a SIGKILL of the server process holding its history shard', async () => {
    const since = await control.lastSeq(SERVER_KILL);
    const started = await postJson(`${api(0)}/v1/clusters/${SERVER_KILL}/regenerations`, {
      units: ['tomcat'],
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    timeline.mark(`run ${id} (tomcat) started through API 1`);
    const { namespaceInfo } = await temporal.client.workflowService.describeNamespace({
      namespace: temporal.namespace,
    });
    const shard = historyShardOf(namespaceInfo?.id ?? '', id);
    const stopping = await control.nextEvent(
      SERVER_KILL,
      (e) => e.kind === 'service-state' && e.detail.service === 'Cisco Tomcat' && e.detail.state === 'STOPPING',
      'the first Cisco Tomcat restart to begin',
      since,
      600_000,
    );
    // The victim: the process that holds the run's shard, so the kill takes the run's history owner away.
    const victim = temporal.servers.find((s) => s.shardsHeld().includes(shard));
    assert.ok(
      victim,
      `a server process holds shard ${shard}: ${temporal.servers.map((s) => `${s.name} ${s.shardsHeld().join(',')}`).join('; ')}`,
    );
    const survivor = temporal.servers.find((s) => s !== victim)!;
    const held = victim.shardsHeld();
    const offset = survivor.logOffset();
    const pid = victim.pid();
    const beforeKill = await control.lastSeq(SERVER_KILL);
    await victim.kill();
    const killedAt = Date.now();
    timeline.mark(
      `SIGKILL ${victim.name} (pid ${pid}, holding history shards ${held.join(',')}, the run's shard ${shard} among them) as ${stopping.node}'s Cisco Tomcat began restarting (simulator event ${stopping.seq})`,
    );
    const done = await finished(1, id, 'the run to end after the server kill');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    timeline.mark(`run ${id} completed on ${survivor.name} alone`);
    // Premise: the kill landed inside the restart (that node's Tomcat was running again only after it).
    const back = await control.nextEvent(
      SERVER_KILL,
      (e) =>
        e.kind === 'service-state' &&
        e.node === stopping.node &&
        e.detail.service === 'Cisco Tomcat' &&
        e.detail.state === 'STARTED',
      `${stopping.node}'s Cisco Tomcat running again`,
      stopping.seq,
    );
    assert.ok(back.seq > beforeKill, `the kill came before ${stopping.node}'s Tomcat was back (event ${back.seq})`);
    // Premise: the survivor took over the killed process's shards after the kill (its log records each acquisition).
    const taken = survivor.shardsAcquiredSince(offset);
    for (const s of held)
      assert.ok(
        taken.some((t) => t.shard === s),
        `${survivor.name} acquired shard ${s} after the kill (it acquired ${taken.map((t) => t.shard).join(',')})`,
      );
    const handover = taken
      .filter((t) => held.includes(t.shard))
      .map(
        (t) =>
          `shard ${t.shard} ${Number.isNaN(t.at) ? '' : `${((t.at - killedAt) / 1000).toFixed(1)} s after the kill`}`,
      );
    timeline.mark(`${survivor.name} took over ${handover.join(', ')} (its log)`);
    const changes = await assertEachChangeOnce(SERVER_KILL, ['tomcat']);
    await assertNoGateDecidedTwice([id]);
    await victim.start();
    timeline.mark(`${victim.name} started again (pid ${victim.pid()}) and answers`);
    console.log(`      ${changes}; ${stopping.node}'s Tomcat back at event ${back.seq}, after the kill`);
  });

  it('completes a run whose gate is approved after PostgreSQL restarted while the run waited at it', async () => {
    const started = await postJson(`${api(1)}/v1/clusters/${DB_RESTART}/regenerations`, {
      units: ['tomcat'],
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    timeline.mark(`run ${id} (tomcat, before-start gate) started through API 2`);
    const gate = await pendingGate(0, id);
    timeline.mark(`run ${id} waits at gate ${gate}`);
    temporal.postgres.stop('fast');
    timeline.mark('PostgreSQL stopped (pg_ctl stop -m fast)');
    // Premise: Temporal saw the outage (a visibility query reads the database and fails while it is down).
    const outage = await waitFor(
      'a visibility query to fail while PostgreSQL is down',
      async () =>
        temporal.client.workflowService.listWorkflowExecutions({ namespace: temporal.namespace, pageSize: 1 }).then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err.message : String(err)),
        ),
      // The client retries UNAVAILABLE for about 20 s before it reports it.
      120_000,
      250,
    );
    timeline.mark(`Temporal saw the outage: ${outage.slice(0, 120)}`);
    temporal.postgres.start();
    timeline.mark('PostgreSQL started again');
    // Until Temporal's connections to the database are back, the API answers 5xx (tried again); any other answer is
    // the decision's, and must be 200: a 4xx would be a refusal.
    const decided = await waitFor(
      'the API to answer the gate decision after the restart',
      async () => {
        const answer = await postJson(`${api(0)}/v1/regenerations/${id}/gates/${encodeURIComponent(gate)}`, {
          decision: 'approve',
        });
        return answer.status < 500 ? answer : undefined;
      },
      120_000,
      500,
    );
    assert.equal(decided.status, 200, `the decision was refused: ${decided.status} ${JSON.stringify(decided.json)}`);
    timeline.mark(`gate ${gate} approved through API 1`);
    const done = await finished(1, id, 'the run to end after the database restart');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    timeline.mark(`run ${id} completed`);
    const changes = await assertEachChangeOnce(DB_RESTART, ['tomcat']);
    const decisions = await assertNoGateDecidedTwice([id]);
    assert.deepEqual([...decisions], [[`${id} ${gate}`, 1]], 'the gate was decided exactly once');
    console.log(`      ${changes}; gate decisions: ${JSON.stringify([...decisions])}`);
  });
});
