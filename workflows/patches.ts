/**
 * The patches of the workflow code: each id marks a change to the commands a workflow emits (or to what its
 * recorded signals and updates mean), guarded with `patched(id)` so a run started on the older code replays the
 * old way and a new run takes the new one. How to add, deprecate and remove one: README, "Changing a workflow".
 */
export const PATCHES = {
  /**
   * 4d11bde: a retry from a step-failed gate reads the certificate's serial once, before the first attempt (the
   * older code read it again on every attempt, so it emitted readCertificate before each retried regeneration).
   */
  serialReadOnce: 'serial-read-once-before-first-attempt',
  /**
   * Gate ids name their unit (`tomcat/before-start-1`) so they are unique across a rotation and its unit runs.
   * Older runs keep the bare ids (`before-start-1`) their recorded decisions name.
   */
  gateIdsNameUnit: 'gate-ids-name-unit',
  /** The maintenance window's next opening comes from a local activity (in history), not from workflow code. */
  windowInLocalActivity: 'window-opening-in-local-activity',
  /**
   * Issue 12 part 8: the baseline also chooses canary phones; the reset-phones step resets them first, waits for
   * them (a canary-phones-missing gate when some stay away), then resets the rest of the fleet. Older runs reset the
   * whole fleet in one activity.
   */
  canaryPhones: 'canary-phones-before-fleet',
} as const;
