/**
 * The patches of the workflow code: each id marks a change to the commands a workflow emits (or to what its
 * recorded signals and updates mean), guarded with `patched(id)` so a run started on the older code replays the
 * old way and a new run takes the new one. How to add, deprecate and remove one: docs/development.md, "Changing a workflow".
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
  /**
   * Gate ids join the unit and the gate with a dot (`tomcat.before-start-1`), so an id goes into a URL path as it is
   * (an encoded slash is refused or decoded by many reverse proxies). Older runs keep `tomcat/before-start-1`, the id
   * their recorded decisions name.
   */
  gateIdsWithoutSlash: 'gate-ids-without-slash',
  /** A run holds the cluster's lease (the cluster entity) before anything else; older runs had no lease. */
  clusterLease: 'cluster-lease',
  /** The rotation discovers once and hands the discovery to its unit runs. */
  rotationDiscoveryOnce: 'rotation-discovery-once',
  /** A unit run of a rotation uses the discovery the rotation hands it instead of discovering again. */
  reuseRotationDiscovery: 'reuse-rotation-discovery',
  /** From 15.0, ipsec restarts Cisco Tomcat on every node after its own restarts (TN 214231 rev 7.0). */
  ipsecTomcatRestart15: 'ipsec-tomcat-restart-15',
  /** restartStrategy "redundancy-groups": the run reads CallManager groups and restarts in batches. */
  redundancyGroups: 'restart-strategy-redundancy-groups',
  /** Runs notify their channels (gates, failures, endings); older runs emit no notification activity. */
  notifications: 'notifications-v1',
  /** The maintenance window's next opening comes from a local activity (in history), not from workflow code. */
  windowInLocalActivity: 'window-opening-in-local-activity',
  /**
   * A run's maintenance window is checked by a local activity (the time zone against the worker's zone data, its
   * answer in history), not in workflow code; older runs checked it here.
   */
  windowCheckInLocalActivity: 'window-check-in-local-activity',
  /**
   * csrDistribution multi-server (issue 12, part 5): a CA-signed tomcat / tomcat-ECDSA renewal makes one CSR on the
   * publisher for every node, uploads the one chain there and confirms the distribution on each other node. Only
   * runs that ask for it take this path; the marker makes a replay on code without it fail loudly, not drift.
   */
  multiServerCsr: 'multi-server-csr',
  /**
   * Issue 12 part 6: the trust cleanup stops Platform Administrative Web Service and Cisco Intercluster Sync Agent
   * on each IM&P node (product cups) before 12.0 while deleting, and starts them after (TN 214231). Older runs
   * replay without these activities.
   */
  impTrustCleanupServices: 'imp-trust-cleanup-services',
  /**
   * Issue 12 part 8: the baseline also chooses canary phones; the reset-phones step resets them first, waits for
   * them (a canary-phones-missing gate when some stay away), then resets the rest of the fleet. Older runs reset the
   * whole fleet in one activity.
   */
  canaryPhones: 'canary-phones-before-fleet',
  /**
   * Unified CCX (TN 214231, tomcat step 5): after tomcat or tomcat-ECDSA, a cluster with inventory uccxNodes gets the
   * uccx-trust steps (before-uccx-trust gate, tomcat-trust upload, UCCX restarts, verification). Older runs replay
   * the plan they were started with, without them.
   */
  uccxTrust: 'uccx-tomcat-trust',
  /**
   * Issue 17: in mixed mode the trust recovery also restarts Cisco CTIManager (where Started) after
   * `utils ctl reset localkey` and after `utils ctl update CTLFile`, as Cisco field notice FN70613 asks; older runs
   * restarted Cisco Tftp and Cisco CallManager only.
   */
  trustRecoveryCtiManager: 'trust-recovery-ctimanager',
} as const;
