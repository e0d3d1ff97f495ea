/**
 * The read-only workflows the API starts by name on the worker's task queue (the API never imports workflow code):
 * their type names and signatures, so `client.workflow.start<T>(NAME, …)` stays typed.
 */
import type { CallManagerRedundancy, ClusterDiscovery } from '../discovery';

/** workflows/discover.ts: the cluster read over SSH (version, nodes, services, certificates). */
export const DISCOVER_CLUSTER_WORKFLOW = 'discoverClusterWorkflow';
export type DiscoverClusterWorkflow = (clusterId: string) => Promise<ClusterDiscovery>;

/** workflows/read-redundancy.ts: the CallManager groups and device pools over AXL. */
export const READ_CALLMANAGER_GROUPS_WORKFLOW = 'readCallManagerGroupsWorkflow';
export type ReadCallManagerGroupsWorkflow = (clusterId: string) => Promise<CallManagerRedundancy>;
