/**
 * A simulated cluster for a test, with an inventory whose secret references resolve from memory: the same
 * activities and clients as production, pointed at the simulator.
 */
import { createActivities, type ActivityDeps } from '../../activities';
import type { Inventory } from '../../domain/inventory/types';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';
import type { ClusterConfig } from '../../simulator/model';
import { startControl, type Control } from './control';

/** Every secret value the simulators of this test run handed out: the no-secrets-in-history test looks for them. */
export const secretsOfThisRun = new Set<string>();

export interface SimulatedCluster {
  /** The simulator; `sim.stop()` also closes its control API. */
  sim: RunningSimulator;
  /** Its control API (the simulator's witness over HTTP): what tests read instead of the simulator's memory. */
  control: Control;
  inventory: Inventory;
  activityDeps: ActivityDeps;
  activities: ReturnType<typeof createActivities>;
}

export const ONE_NODE: ClusterConfig = {
  id: 'lab1',
  version: '14.0.1.13900-155',
  nodes: [{ name: 'cucm-pub', role: 'publisher' }],
};

/** A 14.0 cluster of a publisher `pub` and a subscriber `sub1`, with whatever else the test needs. */
export function twoNodes14(id: string, extra: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    id,
    version: '14.0.1.13900-155',
    nodes: [
      { name: 'pub', role: 'publisher' },
      { name: 'sub1', role: 'subscriber' },
    ],
    ...extra,
  };
}

/** Starts the simulator; `timeScale` 0.01 runs a real node's 8 s start-up in 80 ms. */
export async function startSimulatedCluster(
  configs: ClusterConfig[] = [ONE_NODE],
  timeScale = 0.01,
): Promise<SimulatedCluster> {
  const started = await startSimulator(configs, { timeScale });
  const control = await startControl(started);
  const sim: RunningSimulator = {
    ...started,
    stop: async () => {
      await control.close();
      await started.stop();
    },
  };
  const { inventory, secrets } = inventoryFromEndpoints(
    sim.endpoints.clusters,
    (id, user) => `env:TEST_${id.toUpperCase()}_${user === 'axl' ? 'AXL' : 'OS'}_PASSWORD`,
  );
  for (const value of secrets.values()) secretsOfThisRun.add(value);
  // The worker's RisPort limiter follows each simulated cluster's configured limit and window.
  for (const cluster of inventory.clusters) {
    const config = configs.find((c) => c.id === cluster.id);
    if (config?.risport?.requestsPerMinute) cluster.risportRequestsPerMinute = config.risport.requestsPerMinute;
  }
  const windows = configs.map((c) => c.risport?.windowMs).filter((w): w is number => w !== undefined);
  const activityDeps: ActivityDeps = {
    risportWindowMs: windows.length ? Math.max(...windows) : undefined,
    inventory,
    resolveSecret: (ref) => {
      const value = secrets.get(ref);
      if (!value) throw new Error(`unknown secret ${ref}`);
      return value;
    },
  };
  return { sim, control, inventory, activityDeps, activities: createActivities(activityDeps) };
}
