/**
 * CTL file update (`utils ctl update CTLFile`), on the publisher of a mixed-mode cluster only. Running it twice is
 * harmless (it rebuilds the file from the current certificates), so a retry needs no guard.
 */
import { ApplicationFailure } from '@temporalio/common';
import { heartbeating, type ActivityContext } from './context';
import { ctlFileUpdated, parseSqlTable, parseTrustFile } from './cucm/parsers';

/** What these activities use of the worker's shared context (and nothing else). */
type CtlDeps = Pick<ActivityContext, 'publisher' | 'withCli'>;

export function ctlActivities(ctx: CtlDeps) {
  return {
    updateCtlFile: async (input: {
      clusterId: string;
    }): Promise<{ updated: boolean; reason?: string; serials: string[] }> => {
      const pub = ctx.publisher(input.clusterId);
      return ctx.withCli({ clusterId: input.clusterId, nodeId: pub.id }, (cli) =>
        heartbeating(async () => {
          const mode = parseSqlTable(
            await cli.run(
              "run sql select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'",
            ),
          )[0]?.paramvalue;
          if (mode !== '1')
            return {
              updated: false,
              reason: 'the cluster is not in mixed mode (ClusterSecurityMode 0): no CTL to update',
              serials: [],
            };
          const output = await cli.run('utils ctl update CTLFile', { confirm: true, timeoutMs: 5 * 60_000 });
          if (!ctlFileUpdated(output))
            throw ApplicationFailure.create({
              type: 'CtlUpdateFailed',
              message: `${pub.id}: utils ctl update CTLFile did not confirm: ${output.slice(0, 200)}`,
            });
          // Read the file back: an update that leaves no CTL, or one without records, has not worked.
          const serials = parseTrustFile(await cli.run('show ctl'))?.serials ?? [];
          if (serials.length === 0)
            throw ApplicationFailure.create({
              type: 'CtlUpdateFailed',
              message: `${pub.id}: after utils ctl update CTLFile, show ctl lists no record.`,
            });
          return { updated: true, serials };
        }),
      );
    },
  };
}
