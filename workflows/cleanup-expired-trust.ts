/**
 * cleanupExpiredTrust: per node, find the expired certificates in the trust stores (never the copies of the five
 * base units), delete them, then restart the services tied to each store that changed, where Started. Before 12.0,
 * Certificate Change Notification is stopped while deleting and started again after (TN 214231); on an IM&P node
 * (product `cups`) before 12.0, so are Platform Administrative Web Service and Cisco Intercluster Sync Agent
 * (TN 214231: "Platform Administration Web Services and Cisco Intercluster Sync Agent ... not needed for IMP version
 * 12.0 and higher", reference §6; the first is spelt as `utils service list` prints it, reference §1.6).
 */
import { ApplicationFailure, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { holdClusterLease } from './cluster-lease';
import { atLeast, parseCucmVersion } from '../domain/cucm-version';
import { stateQuery } from '../domain/messages';
import { named } from './steps/proxies';
import { CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';
import type { RegenerationState, StepState } from '../domain/types';
import type { TrustCertificate } from '../domain/certificates';
import type { DiscoveredNode } from '../domain/discovery';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '2 minutes', maximumAttempts: 10 },
});

/** Services that read each trust store (restart where Started after a change). */
const SERVICES_BY_STORE: Record<string, string[]> = {
  'tomcat-trust': ['Cisco Tomcat'],
  'CallManager-trust': ['Cisco CallManager', 'Cisco CTIManager', 'Cisco Tftp'],
  'CAPF-trust': ['Cisco Certificate Authority Proxy Function'],
  'ipsec-trust': ['Cisco DRF Local'],
  'TVS-trust': ['Cisco Trust Verification Service'],
};
const CCN = 'Cisco Certificate Change Notification';
/**
 * Stopped on an IM&P node while its trust certificates are deleted, before 12.0 (TN 214231). The TN writes
 * "Platform Administration Web Services"; `utils service list` prints "Platform Administrative Web Service".
 */
export const IMP_CLEANUP_SERVICES = ['Platform Administrative Web Service', 'Cisco Intercluster Sync Agent'] as const;

interface CleanupResult {
  clusterId: string;
  deleted: Array<TrustCertificate & { nodeId: string }>;
  restarts: Array<{ nodeId: string; service: string; restarted: boolean; reason?: string }>;
}

export async function cleanupExpiredTrust(request: { clusterId: string; asOf?: string }): Promise<CleanupResult> {
  const cleanup = openCleanup(request);
  try {
    // Before anything changes: the cluster's lease (one cluster-changing run at a time).
    await holdClusterLease({ clusterId: request.clusterId, type: 'cleanupExpiredTrust', units: [] });
    const discovery = await named(
      acts.discoverCluster,
      `Discover cluster ${request.clusterId} over SSH`,
      request.clusterId,
    );
    const beforeTwelve = !atLeast(parseCucmVersion(discovery.version), 12);
    for (const node of discovery.nodes) await cleanNode(cleanup, node, beforeTwelve);
    endCleanup(cleanup, 'completed');
    return cleanup.result;
  } catch (err) {
    endCleanup(cleanup, 'failed');
    throw err instanceof Error ? err : ApplicationFailure.nonRetryable(String(err));
  }
}

/** The cleanup's state (what the state query answers), its result so far, and how a step is recorded in both. */
interface Cleanup {
  request: { clusterId: string; asOf?: string };
  state: RegenerationState;
  result: CleanupResult;
  record(step: Omit<StepState, 'id'>): void;
}

function openCleanup(request: { clusterId: string; asOf?: string }): Cleanup {
  const state: RegenerationState = {
    clusterId: request.clusterId,
    units: [],
    phase: 'running',
    steps: [],
    pendingGates: [],
    decisions: [],
    startedAt: new Date().toISOString(),
    certificates: [],
  };
  setHandler(stateQuery, () => state, { description: 'Live state of the cleanup: steps per node.' });
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: RUN_PHASE, value: 'running' },
  ]);
  return {
    request,
    state,
    result: { clusterId: request.clusterId, deleted: [], restarts: [] },
    record: (step) => state.steps.push({ ...step, id: `step-${state.steps.length + 1}` }),
  };
}

function endCleanup(cleanup: Cleanup, phase: 'completed' | 'failed'): void {
  cleanup.state.phase = phase;
  upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
}

const isStarted = (node: DiscoveredNode, service: string) =>
  node.services.some((s) => s.name === service && s.state === 'STARTED');

/**
 * One node, as TN 214231 orders it: find its expired trust certificates; before 12.0 stop Certificate Change
 * Notification (and, on IM&P, the two services the TN names) while deleting, start them after; then restart the
 * services that read each store that changed.
 */
async function cleanNode(cleanup: Cleanup, node: DiscoveredNode, beforeTwelve: boolean): Promise<void> {
  const ref = { clusterId: cleanup.request.clusterId, nodeId: node.id };
  const expired = await findExpired(cleanup, node.id);
  if (expired.length === 0) return;
  const stopCcn = beforeTwelve && isStarted(node, CCN);
  if (stopCcn) await named(acts.stopService, `Stop ${CCN} on ${node.id}`, { ...ref, service: CCN });
  // IM&P before 12.0: only the services that run there (Started at discovery; not activated ones stay as they are).
  const impStops =
    beforeTwelve && node.product === 'cups' ? IMP_CLEANUP_SERVICES.filter((name) => isStarted(node, name)) : [];
  await impServices(cleanup, 'stop', impStops, node.id);
  await deleteExpired(cleanup, node.id, expired);
  if (stopCcn) await named(acts.startService, `Start ${CCN} on ${node.id}`, { ...ref, service: CCN });
  await impServices(cleanup, 'start', impStops, node.id);
  await restartReaders(cleanup, node.id, expired);
}

async function findExpired(cleanup: Cleanup, nodeId: string): Promise<TrustCertificate[]> {
  const expired = await named(acts.listExpiredTrust, `List expired trust certificates on ${nodeId}`, {
    clusterId: cleanup.request.clusterId,
    nodeId,
    asOf: cleanup.request.asOf,
  });
  cleanup.record({
    kind: 'discover',
    nodeId,
    status: 'completed',
    description: `Find expired trust certificates on ${nodeId}`,
    detail: `${expired.length} expired`,
  });
  return expired;
}

async function deleteExpired(cleanup: Cleanup, nodeId: string, expired: TrustCertificate[]): Promise<void> {
  for (const cert of expired) {
    const outcome = await named(acts.deleteTrustCertificate, `Delete ${cert.store}/${cert.file} on ${nodeId}`, {
      clusterId: cleanup.request.clusterId,
      nodeId,
      store: cert.store,
      file: cert.file,
    });
    cleanup.record({
      kind: 'verify',
      nodeId,
      status: outcome.deleted ? 'completed' : 'skipped',
      description: `Delete ${cert.store}/${cert.file} (expired ${cert.notAfter})`,
      detail: outcome.reason,
    });
    if (outcome.deleted) cleanup.result.deleted.push({ ...cert, nodeId });
  }
}

/** The services that read each store a certificate was deleted from, restarted where Started. */
async function restartReaders(cleanup: Cleanup, nodeId: string, expired: TrustCertificate[]): Promise<void> {
  const stores = new Set(expired.map((c) => c.store));
  for (const service of [...stores].flatMap((s) => SERVICES_BY_STORE[s] ?? [])) {
    const r = await named(acts.restartService, `Restart ${service} on ${nodeId}`, {
      clusterId: cleanup.request.clusterId,
      nodeId,
      service,
      scheduledAt: new Date().toISOString(),
    });
    cleanup.record({
      kind: 'restart-service',
      nodeId,
      service,
      status: r.restarted ? 'completed' : 'skipped',
      description: `Restart ${service} on ${nodeId}`,
      detail: r.reason,
    });
    cleanup.result.restarts.push({ nodeId, service, ...r });
  }
}

/** IM&P before 12.0: stop (before the deletes) or start (after them) the services in order, each a step of the run. */
async function impServices(
  cleanup: Cleanup,
  action: 'stop' | 'start',
  services: readonly string[],
  nodeId: string,
): Promise<void> {
  const ref = { clusterId: cleanup.request.clusterId, nodeId };
  for (const service of services) {
    const r =
      action === 'stop'
        ? await named(acts.stopService, `Stop ${service} on ${nodeId} (IM&P, before the deletes)`, { ...ref, service })
        : await named(acts.startService, `Start ${service} on ${nodeId} (IM&P, after the deletes)`, {
            ...ref,
            service,
          });
    cleanup.record({
      kind: 'restart-service',
      nodeId,
      service,
      status: 'completed',
      description:
        action === 'stop'
          ? `Stop ${service} on ${nodeId} while its trust certificates are deleted (IM&P before 12.0)`
          : `Start ${service} on ${nodeId} again after the deletes`,
      detail: r.changed
        ? `${action === 'stop' ? 'stopped' : 'started'}`
        : `already ${action === 'stop' ? 'stopped' : 'started'}`,
    });
  }
}
