/**
 * One signed-chain check at a time per node, for the submitSignedChain update of a unit run and of a rotation.
 *
 * The update's handler awaits an activity (validateSignedChain), so without this two submissions for one node could
 * both pass the validator while the first is being checked, both be accepted and recorded, and the check that
 * finished last would win. The validator refuses the second at once instead of queueing it behind a mutex: the
 * engineer learns immediately that a chain is already on its way and what to do, rather than waiting on a check
 * they did not start whose outcome decides theirs; and a refusal is not recorded in history, while a queued update
 * is (and keeps the run open until it is answered).
 *
 * Why no patch: the set changes nothing a workflow emits for an update that was accepted. Only the validator reads
 * it, validators do not run on replay, and their refusals leave no trace in history, so a recorded history (even
 * one with two accepted submissions for one node) replays through the same handler code.
 */
export class ChainChecks {
  private readonly checking = new Set<string>();
  private readonly handedOver = new Set<string>();

  /**
   * For the validator: refuses a node whose chain is being checked now, or was handed over already (a rotation sees
   * its unit run accept a chain only when the unit next reports its state).
   */
  refuseIfChecking(nodeId: string, key = nodeId): void {
    if (this.handedOver.has(key)) throw new Error(`The signed chain for ${nodeId} was already accepted.`);
    if (this.checking.has(key))
      throw new Error(
        `A chain for ${nodeId} is being checked; wait for its answer (the run's state lists the decision once it is accepted) and submit again only if it is refused.`,
      );
  }

  /** A checked chain passed on (the rotation's signal to its unit run): later submissions for the node are refused. */
  handOver(key: string): void {
    this.handedOver.add(key);
  }

  /**
   * For the handler: marks the node as being checked until `check` settles. The mark is set before the handler's
   * first await, so a second submission in the same workflow task already sees it.
   */
  async run<T>(key: string, check: () => Promise<T>): Promise<T> {
    this.checking.add(key);
    try {
      return await check();
    } finally {
      this.checking.delete(key);
    }
  }
}
