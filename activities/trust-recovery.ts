/**
 * Trust recovery on the CLI: `utils itl reset localkey` / `utils ctl reset localkey` on the publisher, and the
 * readings of `show itl` / `show ctl` the workflow judges them by. The resets' own prompts and outputs are not public
 * (docs/reference/cucm-interfaces.md, Gaps 4: only the older `utils itl reset` example exists), so nothing here parses
 * them: a prompt is answered yes if one comes, the CLI client's error patterns fail the step, and success is what
 * `show itl` / `show ctl` show afterwards (the workflow compares the readings).
 */
import type { TrustFileKind, TrustFileReading } from '../domain/contract/trust-recovery';
import { heartbeating, type ActivityContext, type NodeRef } from './context';
import { parseTrustFile } from './cucm/parsers';

/** What these activities use of the worker's shared context (and nothing else). */
type TrustRecoveryDeps = Pick<ActivityContext, 'publisher' | 'withCli'>;

const RESET_COMMAND: Record<TrustFileKind, string> = {
  ITL: 'utils itl reset localkey',
  CTL: 'utils ctl reset localkey',
};

export function trustRecoveryActivities(ctx: TrustRecoveryDeps) {
  return {
    /** `show itl` or `show ctl` on one node, summarised (checksums, signer, record count). */
    readTrustFile: async (input: NodeRef & { file: TrustFileKind }): Promise<TrustFileReading> =>
      ctx.withCli(input, (cli) =>
        heartbeating(async () => {
          const listing = parseTrustFile(await cli.run(input.file === 'ITL' ? 'show itl' : 'show ctl'));
          return {
            nodeId: input.nodeId,
            file: input.file,
            found: listing !== undefined,
            ...(listing?.md5 ? { md5: listing.md5 } : {}),
            ...(listing?.sha1 ? { sha1: listing.sha1 } : {}),
            ...(listing?.signerSerial ? { signerSerial: listing.signerSerial } : {}),
            ...(listing?.signer?.name ? { signerName: listing.signer.name } : {}),
            records: listing?.records.length ?? 0,
          };
        }),
      ),

    /**
     * Runs the reset on the publisher. Running it again (a retry after a lost answer) rebuilds the same reset file,
     * so a retry needs no guard. Returns the first lines of the output for the step's detail, never judged.
     */
    resetTrustLocalKey: async (input: {
      clusterId: string;
      file: TrustFileKind;
    }): Promise<{ nodeId: string; command: string; output: string }> => {
      const pub = ctx.publisher(input.clusterId);
      const command = RESET_COMMAND[input.file];
      return ctx.withCli({ clusterId: input.clusterId, nodeId: pub.id }, (cli) =>
        heartbeating(async () => {
          // The CLI client fails on the platform's error lines (Invalid command, Executed command unsuccessfully, ...);
          // the rest of the output is not judged here: the verification reads the file afterwards.
          const output = await cli.run(command, { confirm: true, timeoutMs: 10 * 60_000 });
          return {
            nodeId: pub.id,
            command,
            output: output.split('\n').filter(Boolean).slice(-3).join(' / ').slice(0, 300),
          };
        }),
      );
    },
  };
}
