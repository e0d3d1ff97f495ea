/**
 * The ITL / CTL files a recovery judges its resets by: Cisco prints nothing useful from `utils itl|ctl reset
 * localkey`, so the run reads the file each TFTP node serves (`show itl`, `show ctl`) before the reset and after each
 * change, and checks it is new, or signed by the certificate the Security Guide says.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { TrustFileReading, TrustRecoveryPlan, TrustRecoveryStep } from '../../domain/contract/trust-recovery';
import type { ClusterDiscovery, DiscoveredNode } from '../../domain/discovery';
import { ctlNormalSigner, judgeTrustFile } from '../../domain/plan/trust-recovery';
import { quick } from '../steps';
import { named } from '../steps/proxies';
import type { Recovery } from './recovery';

type VerifyStep = Extract<TrustRecoveryStep, { kind: 'verify-trust-file' }>;

/** The file the reset changes (the CTL on the publisher in mixed mode, else the ITL of every TFTP node), per node. */
export async function readTrustFilesBeforeReset(
  clusterId: string,
  plan: TrustRecoveryPlan,
): Promise<Map<string, TrustFileReading>> {
  const before = new Map<string, TrustFileReading>();
  const file = plan.mode === 'mixed' ? 'CTL' : 'ITL';
  for (const nodeId of file === 'CTL' ? [plan.publisherId ?? ''] : plan.tftpNodeIds)
    before.set(
      nodeId,
      await named(quick.readTrustFile, `Read the ${file} on ${nodeId} before the reset (show ${file.toLowerCase()})`, {
        clusterId,
        nodeId,
        file,
      }),
    );
  return before;
}

/** `show itl` / `show ctl` on each node of the step, judged against what the step expects. */
export async function verifyTrustFileStep(recovery: Recovery, step: VerifyStep): Promise<void> {
  const { session, result } = recovery;
  for (const nodeId of step.nodeIds) {
    const reading = await session.run.attempt(
      {
        kind: 'verify',
        nodeId,
        description: `Verify the ${step.file} on ${nodeId} (show ${step.file.toLowerCase()}): ${expectationText(step)}`,
      },
      async () => {
        const r = await named(
          quick.readTrustFile,
          `Read the ${step.file} on ${nodeId} (show ${step.file.toLowerCase()})`,
          {
            clusterId: session.request.clusterId,
            nodeId,
            file: step.file,
          },
        );
        const problem = judgeTrustFile(r, step.expect, {
          before: recovery.before.get(nodeId),
          ...expectedSigner(recovery.discovery, recovery.plan.publisherId, step, nodeId),
        });
        if (problem) throw ApplicationFailure.nonRetryable(problem, 'TrustFileNotAsExpected');
        return r;
      },
      (r) => ({
        status: 'completed',
        detail: `${r.records} records, signed by ${r.signerName ?? 'unknown'} (serial ${r.signerSerial ?? 'unknown'}), SHA1 ${r.sha1 ?? 'unknown'}`,
      }),
    );
    // The newest reading per node and file (the second verification replaces the first).
    if (reading)
      result.files = [...result.files.filter((f) => !(f.nodeId === nodeId && f.file === step.file)), reading];
  }
}

function expectationText(step: VerifyStep): string {
  if (step.expect === 'changed') return 'a new file';
  if (step.expect === 'signed-by-callmanager') return "signed by the publisher's CallManager";
  return 'signed by its usual signer';
}

const certificateSerial = (node: DiscoveredNode | undefined, unit: string) =>
  node?.certificates.find((c) => c.unit === unit)?.serial;

/** The certificate that must sign the file on this node: its unit and the serial discovery read. */
function expectedSigner(
  discovery: ClusterDiscovery,
  publisherId: string | undefined,
  step: VerifyStep,
  nodeId: string,
): { signerUnit: string; signerSerial: string | undefined } {
  const publisher = discovery.nodes.find((n) => n.id === publisherId);
  if (step.expect === 'signed-by-callmanager')
    return { signerUnit: 'CallManager', signerSerial: certificateSerial(publisher, 'CallManager') };
  const unit = step.file === 'CTL' ? ctlNormalSigner(discovery.version) : discovery.itlSigner;
  // The ITL of a TFTP node is signed by that node's own CallManager certificate before 12.0.
  const holder =
    unit === 'CallManager' && step.file === 'ITL' ? discovery.nodes.find((n) => n.id === nodeId) : publisher;
  return { signerUnit: unit, signerSerial: certificateSerial(holder, unit) };
}
