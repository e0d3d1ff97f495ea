/**
 * The patches of the workflow code: each id marks a change to the commands a workflow emits (or to what its
 * recorded signals and updates mean) made after a release, guarded with `patched(id)` so a run started on the
 * released code replays the old way and a new run takes the new one. How to add, deprecate and remove one:
 * docs/development.md, "Changing a workflow".
 *
 * Empty at v1.0.0: the patches made before the first release were folded into their new branches (no run of the
 * pre-release code is supported across the upgrade), and the fixtures were recorded again by v1.0.0. Each id added
 * since guards a change made after v1.0.0.
 */
export const PATCHES = {
  /**
   * v1.1.0: a rotation's unit run reports a summary whose size does not grow with its steps (unitSummary), only when
   * it changed, instead of its whole state on every change (unitProgress); the rotation reads the CSRs' PEMs once.
   */
  unitSummaries: 'unit-summaries',
  /**
   * v1.1.0: between two units a rotation reads only what the unit changed (readDiscoveryChanges) and merges it,
   * instead of sending its whole discovery to refreshDiscovery and taking a whole one back.
   */
  discoveryChanges: 'discovery-changes',
  /**
   * v1.1.0: a canary wait carries the fleet baseline's PerfMon counts, so it reads RisPort70 (the canaries by name)
   * only once the counts are back, instead of every poll: the budget stays for the fleet's wait that follows.
   */
  canaryCounts: 'canary-counts',
  /** v1.2.0: a gate left open is notified again, then escalated (workflows/run/reminders.ts), until it is decided. */
  gateReminders: 'gate-reminders',
  /**
   * Issue 21: gates follow the run's approval policy (domain/policy): a decision that breaks it is refused (update)
   * or recorded as ignored (signal), a two-approver gate stays open until a second, distinct approver, an automatic
   * gate passes by itself inside the window, the policy adds the optional gates it requires.
   */
  approvalPolicies: 'approval-policies',
  /**
   * v1.2.0: a CA-signed unit whose inventory issuer is ACME gets its chain from the ACME activity (no signed-certificate
   * gate); the expiry watch decides such a unit by the CA's renewal information (RFC 9773) or its renewAtFraction.
   */
  acmeIssuer: 'acme-issuer',
} as const satisfies Record<string, string>;
