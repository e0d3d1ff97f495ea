/** What the steps of one unit run share: the request, the tracker, the discovery, and what the steps produced. */
import type { PlanRedundancy, PlanStep } from '../../domain/plan';
import type { RunTracker } from '../run-tracker';
import type { GateKind, RegenerationRequest, RegenerationResult } from '../../domain/types';
import type { CertificateUnit } from '../../domain/units';
import type { SignedChainCheck } from '../../domain/certificates';
import type { ClusterDiscovery } from '../../domain/discovery';
import type { EarlierReset, RegistrationBaseline } from '../../domain/phones';

/** CSRs waiting for their signed chain, and the chains accepted so far, per node. */
export interface CaRenewal {
  unit: CertificateUnit;
  csrs: Map<string, string>;
  /** A multi-server CSR (its one entry in `csrs`, on the publisher) covers all these nodes. */
  coversNodes?: string[];
  chains: Map<string, Extract<SignedChainCheck, { ok: true }>>;
}

export interface UnitRunContext {
  request: RegenerationRequest;
  unit: CertificateUnit;
  run: RunTracker;
  discovery: ClusterDiscovery;
  steps: readonly PlanStep[];
  approvals: ReadonlySet<GateKind>;
  baseline?: RegistrationBaseline;
  result: RegenerationResult;
  /** The unit's new serial per node, as the regeneration (or upload) steps finish. */
  newSerials: Map<string, string>;
  /** True once the before-restarts gate was passed, or when it was not asked for. */
  restartsApproved: boolean;
  /** The CA renewal waiting for chains (the submitSignedChain handler reads it). */
  ca?: CaRenewal;
  /** True once a signed certificate was uploaded (a CA renewal stopped before that changed nothing). */
  uploadedAny: boolean;
  /**
   * The last phone reset of this run through AXL (workflow state, from the resetPhones results): the registration
   * wait after it counts a phone as back only once RisPort70 shows it registered since its reset began. Unset when
   * the phones were reset by hand (reset mode "none", or a reset step skipped at its step-failed gate).
   */
  phoneReset?: PhoneReset;
  /**
   * restartStrategy redundancy-groups: the CallManager groups and device pools read before the plan. The wait after a
   * CallManager batch counts a phone as back only on its primary.
   */
  redundancy?: PlanRedundancy;
  /** How the before-uccx-trust gate was decided (asked once, before the first UCCX step). */
  uccxDecision?: 'approved' | 'skipped';
}

export function nodeRef(ctx: UnitRunContext, nodeId: string): { clusterId: string; nodeId: string } {
  return { clusterId: ctx.request.clusterId, nodeId };
}

/** A reset wave's start, and the phones reset before it (the canaries) with their own start. */
export interface PhoneReset {
  since: number;
  earlier?: EarlierReset[];
  secureOnly?: boolean;
}
