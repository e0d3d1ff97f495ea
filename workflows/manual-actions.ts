/**
 * What an engineer still has to do by hand when a run ends early (abort, rejection, cancellation, failure): derived
 * from the plan and from which of its steps ran, so the cluster is left in a known state and the report says how
 * to finish the procedure (or that nothing changed). Pure: it runs in workflow code and in tests.
 */
import type { PlanStep } from '../domain/plan';
import type { CanaryState } from '../domain/types';
import type { CertificateUnit } from '../domain/units';

/** What became of each plan step, index for index. */
export type PlanStepProgress = 'done' | 'skipped' | 'interrupted' | 'not-run';

interface ManualActionsInput {
  unit: CertificateUnit;
  steps: readonly PlanStep[];
  progress: readonly PlanStepProgress[];
  missingPhones?: { count: number; sample: string[] };
  /** The canary stage, when the run had one: a run stopped inside it reset only the canaries. */
  canary?: CanaryState;
}

const CHANGES: ReadonlySet<PlanStep['kind']> = new Set([
  'regenerate',
  'ca-signed-renewal',
  'update-ctl',
  'restart-service',
  'restart-batch',
  'reset-phones',
  // It changes the UCCX nodes (a skipped upload is the only step left to list after a completed run).
  'uccx-trust',
]);

function actionFor(unit: CertificateUnit, step: PlanStep, missing?: ManualActionsInput['missingPhones']): string {
  switch (step.kind) {
    case 'regenerate':
      return `${step.nodeId} still has its old ${unit} certificate: regenerate it there (set cert regen ${unit}), then carry on with the steps below.`;
    case 'ca-signed-renewal':
      if (step.distribution === 'multi-server')
        return `${unit} on ${step.nodeIds.join(', ')} is not renewed: have the multi-server CSR of ${step.csrNodeId ?? step.nodeIds[0]} signed (it is in the run's state) and upload the chain on ${step.csrNodeId ?? step.nodeIds[0]} (OS Administration, Upload Certificate/Certificate chain: the root and intermediates as ${unit}-trust, then the signed ${unit}); it distributes the certificate to the other nodes.`;
      return `${unit} on ${step.nodeIds.join(', ')} is not renewed: have the CSRs signed (they are in the run's state) and import the chains (set cert import trust ${unit}, then set cert import own ${unit}).`;
    case 'update-ctl':
      return `On the publisher ${step.nodeId}: utils ctl update CTLFile (in mixed mode secure phones reject the new ${unit} until the CTL lists it).`;
    case 'restart-service':
      return `On ${step.nodeId}: utils service restart ${step.service} (it serves the old ${unit} certificate until it restarts).`;
    case 'restart-batch':
      return `On ${step.nodeIds.join(', ')}: utils service restart ${step.service} (it serves the old ${unit} certificate until it restarts), no two of these at once unless none is the other's backup${step.awaitPhones ? ', with the phones registered again before the next' : ''}.`;
    case 'verify-certificate':
      return `Check ${unit} on ${step.nodeIds.join(', ')}: show cert own ${unit} should show the new serial (the run did not verify it).`;
    case 'verify-ipsec-trust':
      return `Check that ipsec-trust on ${step.subscriberIds.join(', ')} holds the new ipsec certificate of ${step.publisherId} (show cert list trust).`;
    case 'reset-phones':
    case 'confirm-phones-reset':
      return `Reset the ${step.kind === 'reset-phones' && step.mode === 'secure-only' ? 'secure phones' : 'phones'} so they download the new ITL/CTL (Bulk Administration, or Device > Phone > Reset).`;
    case 'uccx-trust':
      return `On Unified CCX ${step.uccxNodeId}: import ${step.caSigned ? `the root and intermediate CA certificates of the new ${unit}` : `the new ${unit} certificate of ${step.cucmNodeIds.join(', ')} (show cert own ${unit} on each)`} with set cert import trust tomcat, then utils service restart ${step.services.join(', then ')}; until then Finesse desktop logins fail.`;
    case 'await-registration':
      return `Watch the phones re-register (RTMT or Device > Phone, status Registered) before the next certificate${missing && missing.count > 0 ? `; ${missing.count} were not registered at the last check (${missing.sample.slice(0, 10).join(', ')})` : ''}.`;
  }
}

const NOTHING_CHANGED = 'Nothing was changed on the cluster';
const nothingChanged = (unit: CertificateUnit) => `${NOTHING_CHANGED} for ${unit}: no manual action is needed.`;

export function manualActionsFor(input: ManualActionsInput): string[] {
  const { unit, steps, progress } = input;
  const changed = steps.some((s, i) => CHANGES.has(s.kind) && progress[i] !== 'not-run');
  if (!changed) return [nothingChanged(unit)];
  const out: string[] = [];
  steps.forEach((step, i) => {
    const p = progress[i] ?? 'not-run';
    if (p === 'done') return;
    const action = actionFor(unit, step, input.missingPhones);
    const c = input.canary;
    if (step.kind === 'reset-phones' && p === 'interrupted' && c && (c.status === 'reset' || c.status === 'missing')) {
      out.push(canaryAction(c, action));
      return;
    }
    if (p === 'interrupted')
      out.push(`The run stopped at this step (failed or interrupted); check whether it happened: ${action}`);
    else if (p === 'skipped') out.push(`Skipped at a step-failed gate, do it by hand: ${action}`);
    else out.push(action);
  });
  return out;
}

/** A run stopped in its canary stage: the canaries were reset, the rest of the fleet was not. */
function canaryAction(c: CanaryState, reset: string): string {
  const missing = c.status === 'missing' ? (c.missing ?? []) : [];
  return [
    `Only the ${c.phones.length} canary phones were reset (${c.phones.map((p) => p.name).join(', ')}); the rest of the fleet was not reset.`,
    ...(missing.length
      ? [
          `${missing.length} canaries did not register again (${missing.map((p) => `${p.name} on ${p.node}`).join(', ')}).`,
          c.likelyCause ?? '',
          c.recovery ?? '',
        ]
      : []),
    `Once the canaries are back: ${reset}`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** The manual actions in one sentence, for a failure message. */
export function summarizeManualActions(actions: readonly string[]): string {
  const [first] = actions;
  if (actions.length === 1 && first?.startsWith(NOTHING_CHANGED)) return first;
  return `Still to do by hand: ${actions.join(' | ')}`;
}
