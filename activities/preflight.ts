/**
 * Pre-flight checks of TN 214231 before anything changes: database replication healthy on every node (a
 * certificate regenerated while replication is broken does not reach the other nodes' trust stores), and every
 * node answering over HTTPS with the cluster's credentials (the services checked after each step live there).
 * SSH reachability, the version, the security mode and the ITL signer come from discovery.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ActivityContext, toFailure } from './context';
import { parseReplicationState } from './cucm/parsers';

export interface PreflightReport {
  /** One line per node: replication state and HTTPS. */
  checks: string[];
}

/** What these activities use of the worker's shared context (and nothing else). */
type PreflightDeps = Pick<ActivityContext, 'publisher' | 'withCli' | 'resolveNode' | 'controlCenter'>;

export function preflightActivities(ctx: PreflightDeps) {
  return {
    /** Throws a non-retryable PreflightFailed listing every problem; answers what was checked when all is well. */
    preflightChecks: async (input: { clusterId: string; nodeIds: string[] }): Promise<PreflightReport> => {
      const publisher = ctx.publisher(input.clusterId);
      const replication = parseReplicationState(
        await ctx.withCli({ clusterId: input.clusterId, nodeId: publisher.id }, (cli) =>
          cli.run('utils dbreplication runtimestate', { timeoutMs: 300_000 }),
        ),
      );
      const problems: string[] = [];
      const checks: string[] = [];
      if (replication.length === 0)
        problems.push(
          `utils dbreplication runtimestate on ${publisher.id} printed no server table: check replication by hand.`,
        );
      for (const row of replication) {
        if (row.state !== 2)
          problems.push(
            `Database replication on ${row.server} is (${row.state}) ${row.detail} with ${row.queue} changes queued: repair it (utils dbreplication status / reset) before regenerating certificates.`,
          );
        else checks.push(`${row.server}: replication (2) ${row.detail}`);
      }
      for (const nodeId of input.nodeIds) {
        try {
          const ref = { clusterId: input.clusterId, nodeId };
          await ctx.resolveNode(ref);
          // A reset connection (a Tomcat just restarted, a busy node) is not a verdict: ask up to three times.
          for (let attempt = 1; ; attempt++) {
            try {
              await ctx.controlCenter(ref).status(['Cisco Tomcat']);
              break;
            } catch (err) {
              if (attempt >= 3) throw err;
              await new Promise((r) => setTimeout(r, 2_000 * attempt));
            }
          }
          checks.push(`${nodeId}: HTTPS answers (Control Center Services)`);
        } catch (err) {
          const failure = toFailure(err);
          problems.push(
            `${nodeId} does not answer over HTTPS: ${failure instanceof Error ? failure.message : String(failure)}`,
          );
        }
      }
      if (problems.length > 0)
        throw ApplicationFailure.nonRetryable(
          `Pre-flight failed, nothing was changed: ${problems.join(' ')}`,
          'PreflightFailed',
        );
      return { checks };
    },
  };
}
