import { CliSession, type CliTarget } from '../../activities/cucm/cli';
import type { RunningSimulator } from '../../simulator/cluster-runner';

/** What the product's CLI client is given for a simulated node, as the inventory would name it. */
export function cliTarget(sim: Pick<RunningSimulator, 'endpoints'>, clusterId: string, nodeName?: string): CliTarget {
  const cluster = sim.endpoints.clusters.find((c) => c.id === clusterId);
  // A member node (the first one when unnamed), or a UCCX node that trusts the cluster (its own administrator).
  const node =
    nodeName === undefined
      ? cluster?.nodes[0]
      : (cluster?.nodes.find((n) => n.name === nodeName) ?? cluster?.uccxNodes?.find((n) => n.name === nodeName));
  if (!node) throw new Error(`no node ${clusterId}/${nodeName ?? '(first)'}`);
  return {
    label: node.name,
    host: node.host,
    port: node.sshPort,
    username: node.username,
    password: node.password,
    hostKeySha256: node.sshHostKeySha256,
  };
}

/** Opens the product's CLI client on a simulated node, as the activities do. */
export function openCli(sim: RunningSimulator, clusterId: string, nodeName: string): Promise<CliSession> {
  return CliSession.open(cliTarget(sim, clusterId, nodeName));
}

/** Runs commands in one session, in order, and closes it. */
export async function runOn(
  sim: RunningSimulator,
  clusterId: string,
  nodeName: string,
  ...commands: Array<string | { command: string; confirm: boolean }>
): Promise<string[]> {
  const cli = await openCli(sim, clusterId, nodeName);
  try {
    const outputs: string[] = [];
    for (const c of commands)
      outputs.push(typeof c === 'string' ? await cli.run(c) : await cli.run(c.command, { confirm: c.confirm }));
    return outputs;
  } finally {
    cli.close();
  }
}
