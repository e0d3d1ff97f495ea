/**
 * The CA-signed chains of a rotation (csrDistribution, a unit's signed-certificate gate): an engineer submits the
 * chain to the rotation, which checks it against the CSR of the unit running now (validateSignedChain) and hands the
 * checked chain to that unit run.
 */
import { ApplicationFailure, getExternalWorkflowHandle, proxyActivities, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities';
import { signedChainCheckedSignal, submitSignedChainUpdate, type SignedChainSubmission } from '../../domain/messages';
import { ChainChecks } from '../chain-checks';
import type { RotationProgress } from './progress';

const { validateSignedChain } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/** The update's answer: the chain's certificate, and the nodes of the unit whose chains are still awaited. */
type ChainAccepted =
  typeof submitSignedChainUpdate extends UpdateDefinition<infer Result, [SignedChainSubmission]> ? Result : never;

/** A node's chain is checked once per unit run (a later unit may sign a certificate of the same node again). */
const chainKey = (unitWorkflowId: string, nodeId: string) => `${unitWorkflowId} ${nodeId}`;

/** Refuses a submission that cannot be taken (the update's validator: a refusal leaves no trace in history). */
function refuseUnfit(
  rotation: RotationProgress,
  chainChecks: ChainChecks,
  { nodeId, chainPem }: SignedChainSubmission,
): void {
  const csrs = rotation.waitingCsrs();
  if (!rotation.pendingGates().some((g) => g.kind === 'signed-certificate'))
    throw new Error('No CSR is waiting for a signed certificate in this rotation.');
  if (!csrs.some((c) => c.nodeId === nodeId))
    throw new Error(`No CSR is waiting for ${nodeId}; waiting for: ${csrs.map((c) => c.nodeId).join(', ')}.`);
  chainChecks.refuseIfChecking(nodeId, chainKey(rotation.current?.workflowId ?? '', nodeId));
  if (typeof chainPem !== 'string' || !chainPem.includes('BEGIN CERTIFICATE'))
    throw new Error('chainPem must hold PEM certificates: the signed leaf, then its intermediate and root CAs.');
  if (/PRIVATE KEY/.test(chainPem))
    throw new Error('The submission contains a private key: send certificates only (and treat that key as exposed).');
}

/** Checks the chain against the unit's CSR and, when it fits, hands it to the unit run. */
async function checkAndHandOver(
  rotation: RotationProgress,
  chainChecks: ChainChecks,
  submission: SignedChainSubmission,
): Promise<ChainAccepted> {
  const { nodeId, chainPem, by } = submission;
  const cur = rotation.current;
  const csrs = rotation.waitingCsrs();
  const csr = csrs.find((c) => c.nodeId === nodeId);
  if (!cur || !csr) throw new Error(`No CSR is waiting for ${nodeId}.`); // the validator checked
  const key = chainKey(cur.workflowId, nodeId);
  const check = await chainChecks.run(key, async () => {
    const checked = await validateSignedChain.executeWithOptions(
      { summary: `Check the signed ${csr.unit} chain for ${nodeId} against its CSR` },
      [
        {
          nodeId,
          unit: csr.unit,
          csrPem: csr.csrPem,
          chainPem,
          ...(csr.coversNodes ? { coversNodes: csr.coversNodes } : {}),
        },
      ],
    );
    if (!checked.ok) throw ApplicationFailure.nonRetryable(checked.problem, 'InvalidSignedChain');
    await getExternalWorkflowHandle(cur.workflowId).signal(signedChainCheckedSignal, { nodeId, check: checked, by });
    // Until the unit run reports its state again, only this set knows the node's chain is taken.
    chainChecks.handOver(key);
    return checked;
  });
  // The nodes whose chains are in: this one, and those the unit run has recorded decisions for.
  const submitted = new Set([nodeId, ...(rotation.current?.summary?.chainsIn ?? [])]);
  return {
    nodeId,
    serial: check.serial,
    issuer: check.issuer,
    notAfter: check.notAfter,
    waitingFor: csrs.map((c) => c.nodeId).filter((n) => !submitted.has(n)),
  };
}

export function acceptSignedChains(rotation: RotationProgress): void {
  // One signed-chain check per node of the unit running now (../chain-checks.ts says why refusing, and why no patch).
  const chainChecks = new ChainChecks();
  setHandler(submitSignedChainUpdate, (submission) => checkAndHandOver(rotation, chainChecks, submission), {
    validator: (submission: SignedChainSubmission) => refuseUnfit(rotation, chainChecks, submission),
    description:
      'Submit the CA-signed chain for a pending CSR of the unit running now: {"nodeId", "chainPem": leaf + intermediates + root, PEM}. Checked against the CSR before it is handed to the unit run.',
  });
}
