/**
 * Phones as the runs see them through RisPort70 and AXL: canaries, registration baselines, resets and waits. Shared by
 * the activities that read them and the workflows and reports that decide on them.
 */

export interface CanaryPhone {
  name: string;
  /** The CallManager node RisPort70 saw it registered to at the baseline. */
  node: string;
  /** RisPort70's model number (e.g. 36224), "unknown" when it did not say. */
  model: string;
  /** Authenticated or encrypted security profile (mixed mode). */
  secure?: boolean;
}

export interface ResetPhonesResult {
  total: number;
  reset: number;
  /** Phones found already reset when resuming after a crash (not reset again). */
  skippedAlreadyReset: number;
  resumedFrom?: number;
  /** Epoch seconds (the worker's clock) when the first attempt began resetting: RisPort changes after it are ours. */
  startedAt?: number;
}

export interface RegistrationBaseline {
  /** Newest RisPort TimeStamp in the snapshot (CUCM's clock, epoch seconds). */
  takenAt: number;
  total: number;
  registered: number;
  /** Names of the phones registered at the baseline, when the fleet is small enough to carry them (≤ 2000). */
  registeredNames?: string[];
  /** Phones registered per CallManager node (RisPort70's CmNode name), for the change report. */
  byNode?: Array<{ node: string; registered: number }>;
  /**
   * Only when asked (`withUnregistered`, the trust recovery): names of the phones RisPort70 lists as not registered,
   * e.g. locked out by a bad ITL, when the fleet is small enough to carry them.
   */
  unregisteredNames?: string[];
  /**
   * Only when asked (`longUnregisteredBefore`, the trust recovery): the phones not registered since before that time
   * (RisPort70's TimeStamp), left out of `unregisteredNames`: down before the incident, not the recovery's to wait for.
   */
  longUnregistered?: { count: number; names: string[] };
  /** The canary phones chosen among the registered ones, when the run asked for a canary stage. */
  canaries?: CanaryPhone[];
  /**
   * PerfMon's registered-phone counts per node at the baseline (the Cisco CallManager object's counters, RTMT's Device
   * Summary), for nodes that serve them; absent when PerfMon could not be read (`countersUnavailable` says why) or
   * the baseline predates them. awaitRegistration compares the counts with these to know when to ask RisPort70.
   */
  counters?: { byNode: Record<string, number> };
  countersUnavailable?: string;
}

/** The canary stage's choice, made with the baseline (the same RisPort70 reading). */
export interface CanaryRequest {
  perNodeModel: number;
  max: number;
  /** Reset mode secure-only: canaries among the secure phones only. */
  secureOnly?: boolean;
  /** Mixed mode: secure and non-secure phones are groups of their own (only secure phones check the CTL). */
  bySecurity?: boolean;
}

/** Phones reset before the wave being waited for (the canaries): each is back from its own reset's start on. */
export interface EarlierReset {
  /** Epoch seconds: the earlier reset's start (its resetPhones result's startedAt). */
  since: number;
  names: string[];
}

export interface AwaitRegistrationResult {
  allBack: boolean;
  registered: number;
  /** Phones registered at the baseline (or changed since) that are not registered now; at most 200 names. */
  missing: string[];
  missingCount: number;
  polls: number;
  /** Per CallManager node: phones registered now, and the missing ones (named) that RisPort last saw there. */
  byNode?: Array<{ node: string; registered: number; missing?: string[] }>;
  /**
   * What paced the wait: "perfmon" (the counts said when to ask RisPort70, which still decided), or "risport"
   * (RisPort70 alone, as before PerfMon; `perfmonNotUsed` says why). Absent in results of older runs.
   */
  source?: 'perfmon' | 'risport';
  perfmonNotUsed?: string;
  /** Requests this wait sent to RisPort70 and to PerfMon. */
  requests?: { risport: number; perfmon: number };
}
