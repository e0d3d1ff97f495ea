/**
 * The cluster's CallManager groups and device pools over AXL, for redundancy-aware restarts: each group's members
 * mapped from CallManager names to the node ids the runs use (through each CallManager's processNodeName, matched
 * by hostname, FQDN or address). Read-only.
 */
import type { ActivityContext } from './context';
import type { CallManagerRedundancy } from '../domain/discovery';

/**
 * The node id a CUCM server name stands for (AXL's processNodeName, RisPort70's CmNode name): matched by id,
 * hostname label, or the inventory's host (FQDN or address).
 */
export function nodeIdOf(nodes: ReadonlyArray<{ id: string; host: string }>, serverName: string): string | undefined {
  const wanted = serverName.trim().toLowerCase();
  const label = wanted.split('.')[0];
  return nodes.find((n) => {
    const id = n.id.toLowerCase();
    return id === wanted || id === label || n.host.toLowerCase() === wanted;
  })?.id;
}

/** Only what it uses of the context: the AXL client and the cluster's known nodes. */
type RedundancyDeps = Pick<ActivityContext, 'axl' | 'nodes'>;

export function redundancyActivities(ctx: RedundancyDeps) {
  return {
    readCallManagerGroups: async (input: { clusterId: string }): Promise<CallManagerRedundancy> => {
      const axl = await ctx.axl(input.clusterId);
      const read = await axl.callManagerRedundancy();
      const nodes = ctx.nodes(input.clusterId);
      const byCallManager = new Map(
        read.callManagers.map((c) => [c.name, nodeIdOf(nodes, c.processNodeName)] as const),
      );
      return {
        groups: read.groups.map((g) => {
          const members = g.members.map((m) => ({ name: m.callManagerName, id: byCallManager.get(m.callManagerName) }));
          const unmatched = members.filter((m) => m.id === undefined).map((m) => m.name);
          return {
            name: g.name,
            members: members.flatMap((m) => (m.id ? [m.id] : [])),
            ...(unmatched.length > 0 ? { unmatched } : {}),
          };
        }),
        devicePools: read.devicePools.map((p) => ({ name: p.name, callManagerGroup: p.callManagerGroupName })),
      };
    },
  };
}
