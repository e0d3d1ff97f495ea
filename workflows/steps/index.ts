/** One plan step of a unit run, by kind. Returns true when an engineer skipped it (it then counts as manual). */
import type { PlanStep } from '../../domain/plan';
import { caRenewalStep, regenerateStep } from './certificates';
import type { UnitRunContext } from './context';
import { awaitRegistrationStep, confirmPhonesResetStep, resetPhonesStep } from './phones';
import { restartBatchStep } from './restart-batch';
import { restartStep, updateCtlStep } from './services';
import { uccxTrustStep } from './uccx';
import { verifyCertificateStep, verifyIpsecTrustStep } from './verify';

export type { CaRenewal, UnitRunContext } from './context';
export { NO_SKIP, phones, quick } from './proxies';
export { readRedundancy } from './redundancy-read';

export function runPlanStep(ctx: UnitRunContext, step: PlanStep, index: number): Promise<boolean> {
  switch (step.kind) {
    case 'regenerate':
      return regenerateStep(ctx, step);
    case 'ca-signed-renewal':
      return caRenewalStep(ctx, step, index);
    case 'update-ctl':
      return updateCtlStep(ctx, step);
    case 'restart-service':
      return restartStep(ctx, step);
    case 'restart-batch':
      return restartBatchStep(ctx, step);
    case 'verify-certificate':
      return verifyCertificateStep(ctx, step);
    case 'verify-ipsec-trust':
      return verifyIpsecTrustStep(ctx, step);
    case 'uccx-trust':
      return uccxTrustStep(ctx, step);
    case 'reset-phones':
      return resetPhonesStep(ctx, step);
    case 'confirm-phones-reset':
      return confirmPhonesResetStep(ctx);
    case 'await-registration':
      return awaitRegistrationStep(ctx, ctx.phoneReset);
  }
}
