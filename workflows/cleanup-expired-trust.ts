/**
 * cleanupExpiredTrust: per node, find the expired certificates in the trust stores (never the copies of the five
 * base units), delete them, then restart the services tied to each store that changed, where Started. Before 12.0,
 * Certificate Change Notification is stopped while deleting and started again after (TN 214231); on an IM&P node
 * (product `cups`) before 12.0, so are Platform Administrative Web Service and Cisco Intercluster Sync Agent
 * (TN 214231: "Platform Administration Web Services and Cisco Intercluster Sync Agent ... not needed for IMP version
 * 12.0 and higher", reference §6; the first is spelt as `utils service list` prints it, reference §1.6).
 */
import { ApplicationFailure, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { holdClusterLease } from './cluster-lease';
import { atLeast, parseCucmVersion } from '../domain/cucm-version';
import { stateQuery } from '../domain/messages';
import { PATCHES } from './patches';
import { named } from './steps/proxies';
import { CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';
import type { RegenerationState, StepState } from '../domain/types';
import type { TrustCertificate } from '../domain/certificates';

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
  const record = (step: Omit<StepState, 'id'>) => state.steps.push({ ...step, id: `step-${state.steps.length + 1}` });
  /** IM&P before 12.0: stop (before the deletes) or start (after them) the services in order, each a step of the run. */
  const impServices = async (action: 'stop' | 'start', services: readonly string[], nodeId: string) => {
    const ref = { clusterId: request.clusterId, nodeId };
    for (const service of services) {
      const r =
        action === 'stop'
          ? await named(acts.stopService, `Stop ${service} on ${nodeId} (IM&P, before the deletes)`, {
              ...ref,
              service,
            })
          : await named(acts.startService, `Start ${service} on ${nodeId} (IM&P, after the deletes)`, {
              ...ref,
              service,
            });
      record({
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
  };
  try {
    // Before anything changes: the cluster's lease (one cluster-changing run at a time).
    await holdClusterLease({ clusterId: request.clusterId, type: 'cleanupExpiredTrust', units: [] });
    const discovery = await named(
      acts.discoverCluster,
      `Discover cluster ${request.clusterId} over SSH`,
      request.clusterId,
    );
    const needsCcnStop = !atLeast(parseCucmVersion(discovery.version), 12);
    const result: CleanupResult = { clusterId: request.clusterId, deleted: [], restarts: [] };
    for (const node of discovery.nodes) {
      const ref = { clusterId: request.clusterId, nodeId: node.id };
      const expired = await named(acts.listExpiredTrust, `List expired trust certificates on ${node.id}`, {
        ...ref,
        asOf: request.asOf,
      });
      record({
        kind: 'discover',
        nodeId: node.id,
        status: 'completed',
        description: `Find expired trust certificates on ${node.id}`,
        detail: `${expired.length} expired`,
      });
      if (expired.length === 0) continue;
      const ccnStarted = node.services.some((s) => s.name === CCN && s.state === 'STARTED');
      if (needsCcnStop && ccnStarted)
        await named(acts.stopService, `Stop ${CCN} on ${node.id}`, { ...ref, service: CCN });
      // IM&P before 12.0: only the services that run there (Started at discovery; not activated ones stay as they are).
      const impStops =
        needsCcnStop && node.product === 'cups' && patched(PATCHES.impTrustCleanupServices)
          ? IMP_CLEANUP_SERVICES.filter((name) => node.services.some((s) => s.name === name && s.state === 'STARTED'))
          : [];
      await impServices('stop', impStops, node.id);
      for (const cert of expired) {
        const outcome = await named(acts.deleteTrustCertificate, `Delete ${cert.store}/${cert.file} on ${node.id}`, {
          ...ref,
          store: cert.store,
          file: cert.file,
        });
        record({
          kind: 'verify',
          nodeId: node.id,
          status: outcome.deleted ? 'completed' : 'skipped',
          description: `Delete ${cert.store}/${cert.file} (expired ${cert.notAfter})`,
          detail: outcome.reason,
        });
        if (outcome.deleted) result.deleted.push({ ...cert, nodeId: node.id });
      }
      if (needsCcnStop && ccnStarted)
        await named(acts.startService, `Start ${CCN} on ${node.id}`, { ...ref, service: CCN });
      await impServices('start', impStops, node.id);
      const stores = new Set(expired.map((c) => c.store));
      for (const service of [...stores].flatMap((s) => SERVICES_BY_STORE[s] ?? [])) {
        const r = await named(acts.restartService, `Restart ${service} on ${node.id}`, { ...ref, service });
        record({
          kind: 'restart-service',
          nodeId: node.id,
          service,
          status: r.restarted ? 'completed' : 'skipped',
          description: `Restart ${service} on ${node.id}`,
          detail: r.reason,
        });
        result.restarts.push({ nodeId: node.id, service, ...r });
      }
    }
    state.phase = 'completed';
    upsertSearchAttributes([{ key: RUN_PHASE, value: 'completed' }]);
    return result;
  } catch (err) {
    state.phase = 'failed';
    upsertSearchAttributes([{ key: RUN_PHASE, value: 'failed' }]);
    throw err instanceof Error ? err : ApplicationFailure.nonRetryable(String(err));
  }
}
