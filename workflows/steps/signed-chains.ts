/**
 * The messages a CA renewal waits on (./certificates.ts): the engineer's submitSignedChain update (validated, then
 * checked against the CSR by an activity) and a rotation's signedChainChecked signal (a chain the rotation checked
 * already). An accepted chain is recorded as a decision at the signed-certificate gate, which ends once every node
 * has its chain.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { SignedChainCheck } from '../../domain/certificates';
import { signedChainCheckedSignal, submitSignedChainUpdate, type SignedChainSubmission } from '../../domain/messages';
import { ChainChecks } from '../chain-checks';
import type { RunTracker } from '../run-tracker';
import type { CaRenewal } from './context';
import { quick } from './proxies';

type AcceptedChain = Extract<SignedChainCheck, { ok: true }>;

/** Registers both handlers; `renewal()` is the CA renewal waiting for chains now, if any. */
export function setSignedChainHandlers(run: RunTracker, renewal: () => CaRenewal | undefined): void {
  const chainChecks = new ChainChecks();
  // A chain a rotation has already checked against this unit run's CSR (the rotation answers its update).
  setHandler(signedChainCheckedSignal, ({ nodeId, check, by }) => {
    const ca = renewal();
    if (!ca?.csrs.has(nodeId) || ca.chains.has(nodeId)) {
      run.ignore({ decision: 'approve', by }, 'signedChainChecked', `no CSR of ${nodeId} is waiting for its chain`);
      return;
    }
    acceptChain(run, ca, nodeId, check, by);
  });
  setHandler(
    submitSignedChainUpdate,
    async ({ nodeId, chainPem, by }) => {
      const ca = renewal();
      if (!ca) throw new Error('No CSR is waiting for a signed certificate in this run.'); // the validator checked
      const check = await chainChecks.run(nodeId, () => checkAgainstCsr(ca, nodeId, chainPem));
      if (!check.ok) throw ApplicationFailure.nonRetryable(check.problem, 'InvalidSignedChain');
      acceptChain(run, ca, nodeId, check, by);
      return {
        nodeId,
        serial: check.serial,
        issuer: check.issuer,
        notAfter: check.notAfter,
        waitingFor: [...ca.csrs.keys()].filter((n) => !ca.chains.has(n)),
      };
    },
    {
      validator: (submission: SignedChainSubmission) => refuseSubmission(run, renewal(), chainChecks, submission),
      description:
        'Submit the CA-signed chain for a pending CSR: {"nodeId", "chainPem": leaf + intermediates + root, PEM}. Checked against the CSR (same key, names the node, complete chain) before it is accepted. A multi-server CSR: nodeId is the publisher that made it, and the leaf must name every node in its SANs.',
    },
  );
}

/** The update's validator: throws, saying why, unless a CSR of the node waits and the submission is PEM certificates. */
function refuseSubmission(
  run: RunTracker,
  ca: CaRenewal | undefined,
  chainChecks: ChainChecks,
  { nodeId, chainPem }: SignedChainSubmission,
): void {
  if (!ca || !run.state.pendingGates.some((g) => g.kind === 'signed-certificate'))
    throw new Error('No CSR is waiting for a signed certificate in this run.');
  if (!ca.csrs.has(nodeId))
    throw new Error(`No CSR is waiting for ${nodeId}; waiting for: ${[...ca.csrs.keys()].join(', ')}.`);
  if (ca.chains.has(nodeId)) throw new Error(`The signed chain for ${nodeId} was already accepted.`);
  chainChecks.refuseIfChecking(nodeId);
  if (typeof chainPem !== 'string' || !chainPem.includes('BEGIN CERTIFICATE'))
    throw new Error('chainPem must hold PEM certificates: the signed leaf, then its intermediate and root CAs.');
  if (/PRIVATE KEY/.test(chainPem))
    throw new Error('The submission contains a private key: send certificates only (and treat that key as exposed).');
}

/** The chain against the node's CSR (same key, names the node, complete chain), by an activity on the worker. */
function checkAgainstCsr(ca: CaRenewal, nodeId: string, chainPem: string): Promise<SignedChainCheck> {
  const csrPem = ca.csrs.get(nodeId) as string;
  return quick.validateSignedChain.executeWithOptions(
    { summary: `Check the signed ${ca.unit} chain for ${nodeId} against its CSR` },
    [{ nodeId, unit: ca.unit, csrPem, chainPem, ...(ca.coversNodes ? { coversNodes: ca.coversNodes } : {}) }],
  );
}

/** Records an accepted chain: the CA renewal has it, and the state lists it as a decision at the gate. */
function acceptChain(run: RunTracker, ca: CaRenewal, nodeId: string, check: AcceptedChain, by?: string): void {
  ca.chains.set(nodeId, check);
  run.state.decisions.push({
    gateId: run.state.pendingGates.find((g) => g.kind === 'signed-certificate')?.id ?? 'signed-certificate',
    kind: 'signed-certificate',
    decision: 'approve',
    by,
    comment: `signed ${ca.unit} for ${nodeId} submitted: serial ${check.serial}, issued by ${check.issuer}, valid to ${check.notAfter}`,
    at: new Date().toISOString(),
  });
  run.publish();
}
