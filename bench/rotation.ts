/**
 * `npm run bench rotation`: a full rotation of a 3-node mixed-mode CUCM 14.0 cluster with 5,000 phones, on the
 * time-scaled simulator, a real Temporal dev server (SQLite, as `npm start` runs it), the worker in this process,
 * no gates. Prints (and writes to bench/results/rotation.json) the wall time; CUCM's unavoidable time on the critical
 * path (regeneration, service stops/starts/restarts, `utils ctl update CTLFile`, phone re-registration: the
 * simulator's delays without the CLI's start-up and command latency, which a client can avoid by keeping its
 * sessions); their ratio (target
 * <= 1.10); the SSH logins per rotation (target: one per node for the one worker, plus the reopens the session
 * pool made after an idle close or a drop); where the rest goes; the history size of each workflow; the peak RSS.
 * The ratio to every simulator delay (CLI included) is printed too, for comparison with earlier runs.
 *
 * What "the simulator's own delays" means, so the ratio is honest:
 *   - Every timer the simulator makes a caller wait on (SimClock.sleep: CLI start-up and commands, `set cert regen`,
 *     service stop/start, `utils ctl update`), counted at its nominal scaled length (a timer that fires late because
 *     the event loop was busy is overhead, not delay).
 *   - Phone re-registration after a reset: per reset wave, only the phone that came back last counts, from ITS reset
 *     to its registration. The time spent sending 5,000 AXL resets is the client's work, not a delay (counting
 *     every phone's [reset, back] interval would hide it inside the wave). Phones coming back after a CallManager
 *     restart without a reset are background, not waited on, and not counted.
 *   - Overlapping delays count once (the union of the intervals, within the rotation's wall-clock window): three
 *     CLI sessions starting in parallel cost one start-up, not three.
 * So the delay figure is a lower bound for any client: a client with zero overhead would still take that long.
 * wall / delays - 1 is the overhead: Temporal dispatch, workflow tasks, SSH/TLS handshakes, certificate key
 * generation in the simulator, the AXL resets, RisPort polling latency. The gaps (wall time not covered by a delay)
 * are attributed below to what was running then, from the workflows' histories.
 *
 * Legitimately tunable (environment): BENCH_TIME_SCALE (0.1: every delay is a tenth of a real node's; larger makes
 * fixed overhead relatively smaller), BENCH_POLL_SECONDS (registrationPollSeconds, default 1; the RisPort window is
 * scaled with the time scale so the budget per simulated minute stays CUCM's 15 requests), BENCH_UNITS
 * (comma-separated; default every unit the plan accepts in one rotation), BENCH_PHONES (5000), BENCH_CONFIG (a simulator
 * config whose first cluster is rotated instead, e.g. simulator/configs/largest-14-26node.json, with its own phones
 * unless BENCH_PHONES; nodes on loopback addresses; BENCH_RESULTS_NAME names its results file).
 */
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createActivities } from '../activities';
import { CliSessionPool } from '../activities/cucm/session-pool';
import { startSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import type { ClusterConfig, SimDelay } from '../simulator/model';
import { createWorker } from '../worker/create-worker';
import { rotateCluster } from '../workflows/rotate-cluster';
import type { CertificateUnit } from '../domain/units';
import { clusterFromConfigFile } from '../test/support/gated-rotation';
import { measureHistory } from '../test/support/history-sizes';
import { startBenchDevServer } from './dev-server';
import { BenchResults } from './results';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.1);
const POLL_SECONDS = Number(process.env.BENCH_POLL_SECONDS ?? 1);
const PHONES = Number(process.env.BENCH_PHONES ?? 5000);
/** A simulator config whose first cluster is rotated instead of the 3-node lab (its phones unless BENCH_PHONES). */
const CONFIG = process.env.BENCH_CONFIG;
const UNITS = (
  process.env.BENCH_UNITS ?? 'tomcat,tomcat-ECDSA,ipsec,CAPF,CallManager,CallManager-ECDSA,ITLRecovery,TVS'
)
  .split(',')
  .filter(Boolean) as CertificateUnit[];

interface Interval {
  start: number;
  end: number;
}

/** Union of intervals, merged and sorted. */
function union(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}
const measure = (intervals: Interval[]) => intervals.reduce((t, i) => t + (i.end - i.start), 0);
const clip = (intervals: Interval[], w: Interval) =>
  intervals
    .map((i) => ({ start: Math.max(i.start, w.start), end: Math.min(i.end, w.end) }))
    .filter((i) => i.end > i.start);

/** Per wave of overlapping phone intervals, only the one that ends last (the phone the caller waits for). */
function criticalPhoneIntervals(phones: SimDelay[]): Interval[] {
  const waves: SimDelay[][] = [];
  let waveEnd = -Infinity;
  for (const d of [...phones].sort((a, b) => a.start - b.start)) {
    if (d.start > waveEnd) waves.push([]);
    waves[waves.length - 1]!.push(d);
    waveEnd = Math.max(waveEnd, d.end);
  }
  return waves.map((w) => w.reduce((a, b) => (b.end > a.end ? b : a)));
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const epochMs = (e: HistoryEvent) => {
  const t = e.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
};

/** Activity phases from a history, in performance.now() time: dispatch (scheduled→started) and run (started→closed). */
function activityPhases(events: HistoryEvent[]): Array<Interval & { label: string }> {
  const toPerf = (e: HistoryEvent) => epochMs(e) - performance.timeOrigin;
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, number>();
  const out: Array<Interval & { label: string }> = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: toPerf(e) });
    const startedAttrs = e.activityTaskStartedEventAttributes;
    if (startedAttrs) started.set(String(startedAttrs.scheduledEventId), toPerf(e));
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    if (closed) {
      const sid = String(closed.scheduledEventId);
      const sch = scheduled.get(sid);
      const st = started.get(sid) ?? sch?.at ?? toPerf(e);
      if (sch) out.push({ label: 'Temporal: activity dispatch (scheduled→started)', start: sch.at, end: st });
      out.push({ label: `activity ${sch?.type ?? '?'}`, start: st, end: toPerf(e) });
    }
  }
  return out;
}

/**
 * The cluster rotated: the 3-node mixed-mode 14.0 lab, or the first cluster of BENCH_CONFIG (a simulator config, e.g.
 * simulator/configs/largest-14-26node.json), renamed `rot`, with its phones and the RisPort and PerfMon budgets in
 * windows scaled like the worker's limiters.
 */
function benchCluster(windowMs: number): ClusterConfig {
  const budgets = {
    risport: { requestsPerMinute: 15, windowMs },
    perfmon: { requestsPerMinute: 80, windowMs },
  };
  if (CONFIG)
    return { ...clusterFromConfigFile(CONFIG, process.env.BENCH_PHONES ? PHONES : undefined), id: 'rot', ...budgets };
  return {
    id: 'rot',
    version: '14.0.1.13900-155',
    securityMode: 1,
    nodes: [
      { name: 'pub', role: 'publisher' },
      { name: 'sub1', role: 'subscriber' },
      { name: 'sub2', role: 'subscriber' },
    ],
    phones: { count: PHONES, registerDelayMs: [5000, 40000] },
    ...budgets,
  };
}

async function main(): Promise<void> {
  const server = await startBenchDevServer('rotation');
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const windowMs = Math.max(1000, Math.round(60_000 * TIME_SCALE));
  const sim = await startSimulator([benchCluster(windowMs)], {
    timeScale: TIME_SCALE,
    ...(CONFIG ? { addressing: 'loopback' as const } : {}),
  });
  const cluster = sim.cluster('rot');
  cluster.clock.recordDelays = true;
  const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `env:${id}_${user}`);
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = 'bench-rotation';
  // The worker's session pool, as worker/main.ts builds it; its log says when it closed a session (reopens).
  const poolCloses: string[] = [];
  const cliPool = new CliSessionPool({ log: (m) => poolCloses.push(m) });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    activities: createActivities({
      inventory,
      resolveSecret: (ref) => secrets.get(ref) ?? '',
      risportWindowMs: windowMs,
      cliPool,
    }),
  });
  const running = worker.run();

  const phoneCount = cluster.phones.list.length;
  console.log(
    `${CONFIG ?? '3-node mixed-mode 14.0'}: ${cluster.nodes.length} nodes, ${phoneCount} phones, time scale ${TIME_SCALE}, registrationPollSeconds ${POLL_SECONDS}, RisPort 15 per ${windowMs} ms, units ${UNITS.join(', ')}`,
  );
  // Made before the run, so the file's date, duration and load average at start are the run's.
  const figures = new BenchResults(process.env.BENCH_RESULTS_NAME ?? 'rotation', {
    ...(CONFIG ? { config: CONFIG } : {}),
    nodes: cluster.nodes.length,
    phones: phoneCount,
    timeScale: TIME_SCALE,
    registrationPollSeconds: POLL_SECONDS,
    units: UNITS,
    risport: { requestsPerMinute: 15, windowMs },
    workers: 1,
  });
  const workflowId = `bench-rotation-${Date.now()}`;
  const t0 = performance.now();
  const results = await client.workflow.execute(rotateCluster, {
    workflowId,
    taskQueue,
    args: [{ clusterId: 'rot', units: UNITS, approvals: [], registrationPollSeconds: POLL_SECONDS }],
  });
  const t1 = performance.now();
  const wall = t1 - t0;
  const win = { start: t0, end: t1 };

  // Delays on the critical path.
  const all = cluster.clock.delays.filter((d) => d.end > t0 && d.start < t1);
  const phones = all.filter((d) => d.kind === 'phone-registration');
  const timers = all.filter((d) => d.kind !== 'phone-registration');
  const critical: Array<SimDelay | Interval> = [...timers, ...criticalPhoneIntervals(phones)];
  const covered = union(clip(critical, win));
  const delays = measure(covered);

  // CUCM's own work: everything the simulator makes a caller wait for except the CLI ('cli': start-up, commands).
  // The CTL update (and ITL reset, CSR generation) are the node's work, labelled as such by the simulator.
  const unavoidable = measure(
    union(
      clip(
        critical.filter((d) => !('kind' in d) || d.kind !== 'cli'),
        win,
      ),
    ),
  );
  const nodes = cluster.nodes.map((n) => n.name);
  const since = (e: { at: string }) => Date.parse(e.at) - performance.timeOrigin >= t0 - 1;
  const logins = cluster.events.list({ kind: 'ssh-login' }).filter(since);
  const commands = cluster.events.list({ kind: 'cli-command' }).filter(since);
  const reopens = poolCloses.filter((m) => !/shutting down/.test(m)).length;
  print('rotation wall time', s(wall));
  figures.figure('rotation wall time', round(wall / 1000), 's');
  print('CUCM unavoidable time on the critical path (no CLI)', s(unavoidable));
  figures.figure(
    'CUCM unavoidable time on the critical path (regeneration, restarts, re-registration)',
    round(unavoidable / 1000),
    's',
  );
  print('ratio wall / unavoidable (target <= 1.10)', (wall / unavoidable).toFixed(3));
  figures.figure('ratio wall / unavoidable', round(wall / unavoidable, 3), '', { op: '<=', value: 1.1 });
  print('simulator delays on the critical path, CLI included (union)', s(delays));
  print('ratio wall / all delays (the earlier figure)', (wall / delays).toFixed(3));
  figures.figure('simulator delays on the critical path, CLI included', round(delays / 1000), 's');
  figures.figure('ratio wall / all delays (CLI included)', round(wall / delays, 3), '');
  print('SSH logins during the rotation', `${logins.length} (${reopens} reopens by the pool)`);
  figures.figure(
    'SSH logins per rotation',
    logins.length,
    'logins',
    { op: '<=', value: nodes.length + reopens },
    `one per node for the one worker (${nodes.length}) plus the pool's reopens after an idle close or a drop (${reopens})`,
  );
  for (const n of nodes) {
    const count = logins.filter((e) => e.node === n).length;
    print(`  logins on ${n}`, String(count));
    figures.figure(`SSH logins on ${n}`, count, 'logins');
  }
  print('CLI commands during the rotation', String(commands.length));
  figures.figure('CLI commands per rotation', commands.length, 'commands');
  const serviceLists = commands.filter((e) => e.detail.command === 'utils service list').length;
  const certReads = commands.filter((e) => (e.detail.command ?? '').startsWith('show cert own')).length;
  print('  utils service list', String(serviceLists));
  print('  show cert own <unit>', String(certReads));
  figures.figure('utils service list per rotation', serviceLists, 'commands');
  figures.figure('show cert own per rotation', certReads, 'commands');
  const kinds = [...new Set(critical.map((d) => ('kind' in d ? d.kind : 'phone-registration')))];
  for (const kind of kinds.sort()) {
    const of = critical.filter((d) => ('kind' in d ? d.kind : 'phone-registration') === kind);
    print(`  delay: ${kind} (union of ${of.length})`, s(measure(union(clip(of, win)))));
  }
  print(
    '  (phone waves: last phone back, from its own reset)',
    criticalPhoneIntervals(phones)
      .map((p) => s(p.end - p.start))
      .join(', ') || 'none',
  );

  // Histories: event counts, and where the wall time not covered by a delay went.
  const ids = [workflowId, ...results.map((r) => `${workflowId}-${r.unit}`)];
  const phases: Array<Interval & { label: string }> = [];
  // Temporal stops a workflow whose history passes 50 MB: bytes, not events, are what to watch (issue 20).
  let totalBytes = 0;
  for (const id of ids) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const events = history.events ?? [];
    const name = id.replace(workflowId, 'rotation');
    const size = measureHistory(history, { workflowId: id, runId: '', type: '', status: '' });
    totalBytes += size.bytes;
    print(`history: ${name}`, `${size.events} events, ${(size.bytes / 1e6).toFixed(2)} MB`);
    figures.figure(`history events: ${name}`, size.events, 'events');
    figures.figure(`history bytes: ${name}`, size.bytes, 'bytes');
    // What signals carry into this history (the unit runs' progress reports, in the rotation's): first and largest.
    const { signals } = size;
    if (signals.count > 0) {
      const share = Math.round((100 * signals.totalBytes) / size.bytes);
      print(
        `  signals into ${name}`,
        `${signals.count}, first ${signals.firstBytes} B, largest ${signals.largestBytes} B, ${share} % of its bytes`,
      );
      figures.figure(`signals into ${name}: largest payload`, signals.largestBytes, 'bytes');
      figures.figure(`signals into ${name}: share of its history`, share, '%');
    }
    phases.push(...activityPhases(events));
  }
  print('history bytes: rotation and its unit runs', `${(totalBytes / 1e6).toFixed(2)} MB`);
  figures.figure('history bytes: rotation and its unit runs', totalBytes, 'bytes');
  const gaps: Interval[] = [];
  let cursor = t0;
  for (const c of covered) {
    if (c.start > cursor) gaps.push({ start: cursor, end: c.start });
    cursor = Math.max(cursor, c.end);
  }
  if (cursor < t1) gaps.push({ start: cursor, end: t1 });
  const byLabel = new Map<string, number>();
  for (const gap of gaps) {
    let attributed = 0;
    for (const p of phases) {
      const overlap = Math.min(p.end, gap.end) - Math.max(p.start, gap.start);
      if (overlap <= 0) continue;
      byLabel.set(p.label, (byLabel.get(p.label) ?? 0) + overlap);
      attributed += overlap;
    }
    const rest = gap.end - gap.start - Math.min(attributed, gap.end - gap.start);
    if (rest > 0)
      byLabel.set(
        'workflow tasks / no activity running',
        (byLabel.get('workflow tasks / no activity running') ?? 0) + rest,
      );
  }
  print('overhead (wall time not covered by a delay)', s(wall - delays));
  for (const [label, ms] of [...byLabel].sort((a, b) => b[1] - a[1]).slice(0, 12))
    print(`  during ${label}`, `${s(ms)}`);
  print(
    'activities: AXL resets sent (phone-reset events)',
    String(cluster.events.list({ kind: 'phone-reset' }).length),
  );
  print('RisPort requests served', String(cluster.events.list({ kind: 'risport' }).length));
  print('PerfMon requests served', String(cluster.events.list({ kind: 'perfmon' }).length));

  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  print('peak RSS of this process (worker + simulator + client)', `${(peakRss / 1048576).toFixed(0)} MiB`);
  figures.figure('peak RSS (worker + simulator + client, one process)', Math.round(peakRss / 1048576), 'MiB');
  figures.figure('RisPort requests served', cluster.events.list({ kind: 'risport' }).length, 'requests');
  figures.figure(
    'RisPort over-limit faults',
    cluster.events.list({ kind: 'risport' }).filter((e) => e.detail.fault === 'RateControl').length,
    'faults',
    { op: '==', value: 0 },
  );
  // The registration waits read PerfMon's per-node counts each poll and RisPort70 only to confirm (issue 20).
  figures.figure('PerfMon requests served', cluster.events.list({ kind: 'perfmon' }).length, 'requests');
  figures.figure(
    'PerfMon over-limit faults',
    cluster.events.list({ kind: 'perfmon' }).filter((e) => e.detail.fault === 'RateControl').length,
    'faults',
    { op: '==', value: 0 },
  );
  figures.write();

  worker.shutdown();
  await running;
  cliPool.close();
  await client.connection.close();
  await connection.close();
  await sim.stop();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
