/**
 * A full rotation as an engineer runs one on a large cluster, shared by the size bench (bench/rotation-sizes.ts) and
 * the long suite's largest-cluster test: every unit, canaries on (the default), one gate kind asked for in
 * `approvals` and approved each time it opens, and one step that fails once and is retried at its step-failed gate.
 *
 * Every part is real: the simulator (its control API arms the fault: the first AXL doDeviceReset answers axlcode
 * 5007, a refusal the reset activity does not retry, so the reset step opens a step-failed gate), the production
 * worker (worker/main.ts in a child process, so its peak RSS is its own), the API in this process, through which
 * the engineer reads the rotation's pending gates and decides them (GET /v1/regenerations/{id}, POST .../gates/{gate}),
 * and the Temporal server the caller gives. The rotation is started with the Temporal client (as `temporal workflow
 * start` would), because the API does not take `registrationPollSeconds`, which a time-scaled run needs at 1 s.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../../domain/units';
import type { GateKind } from '../../domain/types';
import type { ClusterConfig } from '../../simulator/model';
import { rotateCluster } from '../../workflows/rotate-cluster';
import { getJson, postJson } from './system';
import { startSimulatedCluster, type SimulatedCluster } from './simulator';
import { workerProcesses } from './worker-process';

/** A cluster config from simulator/configs (its first cluster), with the phone count replaced when given. */
export function clusterFromConfigFile(path: string, phones?: number): ClusterConfig {
  const cluster = (JSON.parse(readFileSync(path, 'utf8')) as { clusters: ClusterConfig[] }).clusters[0]!;
  return phones === undefined ? cluster : { ...cluster, phones: { ...cluster.phones, count: phones } };
}

export interface GatedRotationOptions {
  client: Client;
  temporalAddress: string;
  cluster: ClusterConfig;
  timeScale: number;
  taskQueue: string;
  units?: CertificateUnit[];
  /** The gate kind the run stops at (approved each time); default before-phone-reset. */
  gate?: GateKind;
  /** Arm the one-time fault that makes a reset step fail and open its step-failed gate (default true). */
  stepFailedRetry?: boolean;
  /** Bounds the whole rotation (the engineer gives up and the run is reported unfinished). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface Decision {
  gateId: string;
  kind: string;
  decision: 'approve' | 'retry';
  /** HTTP status of the POST (200 when the run accepted it). */
  status: number;
  /** Why the run refused it (the problem's detail), when it did. */
  detail?: unknown;
}

export interface GatedRotationRun {
  rotationId: string;
  /** The rotation's status as the API reports it at the end. */
  status: string;
  wallMs: number;
  decisions: Decision[];
  /** Gates of a kind the engineer did not ask for (approved so the run goes on; a healthy run has none). */
  unexpectedGates: string[];
  /** The worker process's peak resident set (VmHWM), bytes. */
  workerPeakRssBytes: number;
  /** Requests the simulator served, from its event log. */
  risportRequests: number;
  risportOverLimit: number;
  perfmonRequests: number;
  perfmonOverLimit: number;
  phones: number;
  nodes: number;
  lab: SimulatedCluster;
  /** Stops the worker, the API and the simulator. */
  stop(): Promise<void>;
}

/** The peak resident set of a process (Linux: VmHWM in /proc/<pid>/status), bytes; 0 where unknown. */
function peakRssOf(pid: number | undefined): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface RunDoc {
  status?: string;
  pendingGates?: Array<{ id: string; kind: string }>;
}

/** How long the engineer keeps deciding a gate the rotation refuses before calling the run stuck. */
const STUCK_MS = 60_000;
const FINAL = new Set(['completed', 'failed', 'aborted', 'cancelled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runGatedRotation(options: GatedRotationOptions): Promise<GatedRotationRun> {
  const log = options.log ?? (() => undefined);
  const gate = options.gate ?? 'before-phone-reset';
  // CUCM's RisPort budget (15 requests a minute) over a window scaled like every other delay.
  const windowMs = Math.max(1000, Math.round(60_000 * options.timeScale));
  const cluster: ClusterConfig = { ...options.cluster, risport: { requestsPerMinute: 15, windowMs } };
  const lab = await startSimulatedCluster([cluster], options.timeScale);
  const workers = workerProcesses(lab.sim, {
    temporalAddress: options.temporalAddress,
    taskQueue: options.taskQueue,
    env: { RISPORT_WINDOW_MS: String(windowMs), LOG_LEVEL: 'warn' },
  });
  const stops: Array<() => Promise<void>> = [() => lab.sim.stop(), () => workers.stopAll()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const worker = await workers.start();
    const app = await buildApp({
      temporal: options.client,
      namespace: 'default',
      taskQueue: options.taskQueue,
      inventory: lab.inventory,
    });
    stops.push(() => app.close());
    const api = await app.listen({ host: '127.0.0.1', port: 0 });
    const clusterId = cluster.id;
    if (options.stepFailedRetry !== false)
      await lab.control.fault(clusterId, {
        kind: 'axl-fault',
        count: 1,
        axlcode: 5007,
        operation: 'doDeviceReset',
        message: 'Item not valid: the bench refuses the first phone reset once',
      });

    const rotationId = `regen-${clusterId}-${Date.now()}`;
    const t0 = performance.now();
    await options.client.workflow.start(rotateCluster, {
      workflowId: rotationId,
      taskQueue: options.taskQueue,
      args: [
        { clusterId, units: options.units ?? [...CERTIFICATE_UNITS], approvals: [gate], registrationPollSeconds: 1 },
      ],
    });
    log(`rotation ${rotationId} started on ${cluster.nodes.length} nodes, ${cluster.phones?.count ?? 0} phones`);

    // The engineer: reads the rotation's pending gates over the API and decides each once.
    const decisions: Decision[] = [];
    const unexpectedGates: string[] = [];
    const decided = new Set<string>();
    // A gate the API shows pending but the rotation keeps refusing: the run cannot go on through the rotation.
    const refusedSince = new Map<string, number>();
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    let status = 'running';
    let peakRss = 0;
    while (Date.now() < deadline) {
      peakRss = Math.max(peakRss, peakRssOf(worker.pid));
      const doc = (await getJson(`${api}/v1/regenerations/${rotationId}`)).json as RunDoc;
      status = doc.status ?? status;
      if (FINAL.has(status)) break;
      for (const g of doc.pendingGates ?? []) {
        if (decided.has(g.id)) continue;
        const decision = g.kind === 'step-failed' ? 'retry' : 'approve';
        if (g.kind !== 'step-failed' && g.kind !== gate) unexpectedGates.push(`${g.id} (${g.kind})`);
        const answer = await postJson(`${api}/v1/regenerations/${rotationId}/gates/${encodeURIComponent(g.id)}`, {
          decision,
          comment: 'decided by the size bench',
        });
        // A 409 is the gate already gone (the run moved on): read again. (The API shows a gate only once the rotation
        // can take it, so a refusal that repeats means the run is stuck, below.)
        if (answer.status === 200) decided.add(g.id);
        else refusedSince.set(g.id, refusedSince.get(g.id) ?? Date.now());
        // Each gate's answers once per status (a refusal would repeat every 250 ms).
        if (!decisions.some((d) => d.gateId === g.id && d.status === answer.status)) {
          decisions.push({ gateId: g.id, kind: g.kind, decision, status: answer.status, detail: answer.json.detail });
          const detail = answer.status === 200 ? '' : ` ${String(answer.json.detail)}`;
          log(`gate ${g.id} (${g.kind}): ${decision} -> ${answer.status}${detail}`);
        }
      }
      const stuck = [...refusedSince].find(([id, since]) => !decided.has(id) && Date.now() - since > STUCK_MS);
      if (stuck) {
        status = `stuck: the rotation refused ${stuck[0]} for ${STUCK_MS / 1000} s`;
        break;
      }
      await sleep(250);
    }
    const wallMs = performance.now() - t0;
    peakRss = Math.max(peakRss, peakRssOf(worker.pid));
    const risport = await lab.control.events(clusterId, { kind: 'risport' });
    const perfmon = await lab.control.events(clusterId, { kind: 'perfmon' });
    return {
      rotationId,
      status,
      wallMs,
      decisions,
      unexpectedGates,
      workerPeakRssBytes: peakRss,
      risportRequests: risport.length,
      risportOverLimit: risport.filter((e) => e.detail.fault === 'RateControl').length,
      perfmonRequests: perfmon.length,
      perfmonOverLimit: perfmon.filter((e) => e.detail.fault === 'RateControl').length,
      phones: cluster.phones?.count ?? 0,
      nodes: cluster.nodes.length,
      lab,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
