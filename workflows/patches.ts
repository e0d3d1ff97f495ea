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
   * Unified CCX (TN 214231, tomcat step 5): after tomcat or tomcat-ECDSA, a cluster with inventory uccxNodes gets the
   * uccx-trust steps (before-uccx-trust gate, tomcat-trust upload, UCCX restarts, verification). Older runs replay
   * the plan they were started with, without them.
   */
  uccxTrust: 'uccx-tomcat-trust',
} as const;
