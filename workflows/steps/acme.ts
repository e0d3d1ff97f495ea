/**
 * A CA-signed unit whose inventory issuer is ACME (RFC 8555): instead of the signed-certificate gate, each CSR (per
 * node, or the publisher's multi-server SAN CSR) is ordered from the ACME CA by an activity (DNS-01 validation,
 * finalize with the CSR, the chain back), and the chain is checked as a chain a person posts is (same key, names the
 * node or every covered node, complete to a root). No gate opens; the step says which issuer and which order.
 * Behind PATCHES.acmeIssuer: a run started before it replays the gate as it was.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { PATCHES } from '../patches';
import type { CaRenewal, UnitRunContext } from './context';
import { named, NO_SKIP, quick, slow } from './proxies';

/**
 * True when the unit's issuer is ACME and every CSR of `renewal` now has its accepted chain; false when the issuer
 * is "manual" (the caller opens the signed-certificate gate as before).
 */
export async function chainsFromAcme(ctx: UnitRunContext, renewal: CaRenewal): Promise<boolean> {
  if (!patched(PATCHES.acmeIssuer)) return false;
  const { run, request } = ctx;
  const { unit } = renewal;
  const issuer = await named(quick.certificateIssuer, `Which issuer signs ${unit} on ${request.clusterId}`, {
    clusterId: request.clusterId,
    unit,
  });
  if (issuer.kind !== 'acme') return false;
  for (const [nodeId, csrPem] of renewal.csrs) {
    const covers = renewal.coversNodes;
    const done = await run.attempt(
      {
        kind: 'acme-order',
        unit,
        nodeId,
        description: `Order the signed ${unit} for ${covers ? `the multi-server CSR of ${nodeId} (${covers.join(', ')})` : `${nodeId}'s CSR`} from ACME issuer ${issuer.issuerId} (${issuer.directoryUrl}), DNS-01 by ${issuer.dns01}, and check the chain`,
      },
      async () => {
        const order = await named(slow.orderAcmeCertificate, `Order ${unit} for ${nodeId} from ${issuer.issuerId}`, {
          clusterId: request.clusterId,
          unit,
          nodeId,
          csrPem,
        });
        const check = await named(quick.validateSignedChain, `Check the ACME ${unit} chain for ${nodeId}`, {
          nodeId,
          unit,
          csrPem,
          chainPem: order.chainPem,
          ...(covers ? { coversNodes: covers } : {}),
        });
        if (!check.ok) throw ApplicationFailure.nonRetryable(check.problem, 'InvalidSignedChain');
        return { order, check };
      },
      ({ order, check }) => ({
        status: 'completed',
        detail: `issuer ${order.issuerId}, order ${order.orderUrl}${order.resumed ? ' (resumed after a retry)' : ''}: serial ${check.serial}, issued by ${check.issuer}, valid to ${check.notAfter}, for ${order.identifiers.join(', ')}`,
      }),
      NO_SKIP.upload,
    );
    if (!done) throw new Error('unreachable: an ACME order cannot be skipped');
    renewal.chains.set(nodeId, done.check);
  }
  return true;
}
