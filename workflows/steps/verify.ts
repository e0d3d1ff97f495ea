/**
 * Verification after a unit's restarts: the new serial on every node that holds it (tomcat: as served on HTTPS),
 * the ITL/CTL every TFTP node serves listing the new certificates, the publisher's ipsec in every subscriber's
 * ipsec-trust. A failed check is a step failure (a step-failed gate), never a warning.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { PlanStep } from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';
import { nodeRef, type UnitRunContext } from './context';
import { named, quick } from './proxies';

type Step<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;

/** Units whose certificates the ITL/CTL files carry (ITLRecovery as their signer from 12.0). */
const TRUST_FILE_UNITS: ReadonlySet<CertificateUnit> = new Set(['CallManager', 'TVS', 'CAPF', 'ITLRecovery']);

const failed = (problem: string) =>
  ApplicationFailure.nonRetryable(`Verification failed: ${problem}`, 'VerificationFailed');

export async function verifyCertificateStep(ctx: UnitRunContext, step: Step<'verify-certificate'>): Promise<boolean> {
  const { run, discovery, newSerials } = ctx;
  let skipped = false;
  for (const nodeId of step.nodeIds) {
    // From 12.5 ITLRecovery is one certificate, the publisher's, copied to the subscribers.
    const expected = newSerials.get(nodeId) ?? newSerials.get(discovery.nodes[0]?.id ?? '');
    if (!expected) continue;
    const verified = await run.attempt(
      { kind: 'verify', unit: step.unit, nodeId, description: `Verify ${step.unit} on ${nodeId}` },
      async () => {
        const v = await named(quick.verifyCertificate, `Verify ${step.unit} on ${nodeId} has serial ${expected}`, {
          ...nodeRef(ctx, nodeId),
          unit: step.unit,
          expectedSerial: expected,
        });
        if (!v.ok) throw failed(v.problem ?? 'unknown');
        return v;
      },
      (v) => ({ status: 'completed', detail: `serial ${v.serial}${v.servedSerial ? ', served on HTTPS' : ''}` }),
    );
    if (!verified) skipped = true;
  }
  if (!TRUST_FILE_UNITS.has(step.unit) || newSerials.size === 0) return skipped;
  const mixed = discovery.securityMode === 1;
  for (const node of discovery.nodes.filter((n) =>
    n.services.some((sv) => sv.name === 'Cisco Tftp' && sv.state === 'STARTED'),
  )) {
    const files = await run.attempt(
      {
        kind: 'verify',
        unit: step.unit,
        nodeId: node.id,
        description: `Verify the ITL${mixed ? ' and CTL' : ''} served by ${node.id} list the new ${step.unit}`,
      },
      async () => {
        const v = await named(
          quick.verifyTrustFiles,
          `Verify the ITL${mixed ? '/CTL' : ''} served by ${node.id} list the new ${step.unit}`,
          {
            ...nodeRef(ctx, node.id),
            unit: step.unit,
            newSerials: [...newSerials.values()],
            checkCtl: mixed,
          },
        );
        if (!v.ok) throw failed(v.problems.join('; '));
        return v;
      },
      (v) => ({ status: 'completed', detail: v.checked.join('; ') || 'no record of this unit' }),
    );
    if (!files) skipped = true;
  }
  return skipped;
}

export async function verifyIpsecTrustStep(ctx: UnitRunContext, step: Step<'verify-ipsec-trust'>): Promise<boolean> {
  const serial = ctx.newSerials.get(step.publisherId);
  if (!serial) return false;
  let skipped = false;
  for (const sub of step.subscriberIds) {
    const verified = await ctx.run.attempt(
      {
        kind: 'verify',
        nodeId: sub,
        description: `Verify ${sub}'s ipsec-trust holds the publisher's new ipsec certificate`,
      },
      async () => {
        if (
          !(await named(quick.trustHolds, `Check ${sub}'s ipsec-trust holds serial ${serial}`, {
            ...nodeRef(ctx, sub),
            store: 'ipsec-trust',
            serial,
          }))
        )
          throw failed(`${sub}'s ipsec-trust does not hold the publisher's ipsec serial ${serial}.`);
        return true;
      },
      () => ({ status: 'completed', detail: `serial ${serial} present` }),
    );
    if (!verified) skipped = true;
  }
  return skipped;
}
