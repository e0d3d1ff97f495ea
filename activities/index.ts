/**
 * Activities: every side effect of a procedure. Built by a factory that receives its clients (Temporal's
 * activities-dependency-injection sample), so the worker passes real clients and tests pass the same clients aimed
 * at the simulator. Arguments and results carry cluster and node ids, never secrets: credentials are resolved in
 * ./context.ts, at run time, from the inventory's references.
 */
import { acmeActivities } from './acme';
import { certificateActivities } from './certificates';
import { chainActivities } from './chain';
import { clusterLeaseActivities } from './cluster-lease';
import { ActivityContext, type ActivityDeps } from './context';
import { ctlActivities } from './ctl';
import { discoveryActivities } from './discovery';
import { notificationActivities } from './notify/deliver';
import { expiryActivities } from './expiry';
import { phoneActivities } from './phones';
import { preflightActivities } from './preflight';
import { redundancyActivities } from './redundancy';
import { serviceActivities } from './services';
import { trustRecoveryActivities } from './trust-recovery';
import { uccxActivities } from './uccx';
import { windowActivities } from './window';

export type { ActivityDeps, NodeRef, UccxRef } from './context';
export type { CertificateSummary, RegenerateOutcome, VerifyOutcome } from './certificates';
export type { RestartOutcome } from './services';
export type { UccxRestartResult, UccxTrustCertificate, UccxUploadResult, UccxVerifyResult } from './uccx';
export type { SignedChainInput } from './chain';
export type { PreflightReport } from './preflight';
export type { WindowOpening } from './window';
export type { DeliverNotificationInput, DeliveryResult } from './notify/deliver';
export type { ExpiryGauges } from './expiry-gauges';
export type { RenewalStart, RenewalStartInput } from './expiry';
export type { AcmeOrderResult, AcmeRenewalUnit, CertificateIssuerInfo } from './acme';

/** What `npm start` serves: the API and the Temporal UI on loopback. */
const DEFAULT_NOTIFICATION_LINKS = {
  apiBaseUrl: 'http://127.0.0.1:3000',
  temporalUiUrl: 'http://127.0.0.1:8233',
  namespace: 'default',
};

export function createActivities(deps: ActivityDeps) {
  const ctx = new ActivityContext(deps);
  return {
    ...discoveryActivities(ctx),
    ...certificateActivities(ctx),
    ...chainActivities(),
    ...serviceActivities(ctx),
    ...uccxActivities(ctx),
    ...ctlActivities(ctx),
    ...trustRecoveryActivities(ctx),
    ...phoneActivities(ctx),
    ...preflightActivities(ctx),
    ...clusterLeaseActivities(),
    ...windowActivities(),
    ...redundancyActivities(ctx),
    ...notificationActivities({
      inventory: deps.inventory,
      resolveSecret: deps.resolveSecret,
      links: deps.notifications?.links ?? DEFAULT_NOTIFICATION_LINKS,
      onAttempt: deps.notifications?.onAttempt,
    }),
    ...expiryActivities(deps.expiryGauges),
    ...acmeActivities(ctx, deps.resolveSecret),
  };
}

export type Activities = ReturnType<typeof createActivities>;
