/**
 * How a run reads its failures and how it ends early: the reason an engineer reads (not the SDK's wrapper), the
 * failure's type, the manual actions a unit run hands to its rotation, and the error a run ends with.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, isCancellation } from '@temporalio/workflow';

/** Failure types that end a run on an engineer's decision (the API reports them as "aborted"). */
export const ENDED_BY_ENGINEER = ['RejectedAtGate', 'AbortedAtGate', 'AbortedByEngineer'];

/** The failure inside an activity's or a unit run's wrapper ("Activity task failed", "Child Workflow failed"). */
function unwrap(err: unknown): unknown {
  return (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause ? err.cause : err;
}

/** The engineer-facing reason of a failure: its own message, not the wrapper's. */
export function reasonOf(err: unknown): string {
  const cause = unwrap(err);
  return cause instanceof Error ? cause.message : String(cause);
}

/** The ApplicationFailure type of a failure, looking through the wrapper. */
export function failureTypeOf(err: unknown): string | undefined {
  const cause = unwrap(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The manual actions a run reported in its failure details (how a unit run tells its rotation), if any. */
export function manualActionsOf(err: unknown): string[] {
  const cause = unwrap(err);
  if (!(cause instanceof ApplicationFailure)) return [];
  const details = cause.details?.[0] as { manualActions?: unknown } | undefined;
  return Array.isArray(details?.manualActions) ? details.manualActions.filter((a) => typeof a === 'string') : [];
}

/**
 * How a run ends early, once its manual actions are known: `cancelled` (the cancellation is rethrown as it is),
 * `aborted` (an engineer's reject or abort) or `failed`. Returns the phase to publish and the error to throw: for
 * aborted and failed, a non-retryable failure with the reason, its type kept, and the manual actions in its
 * details.
 */
export function endedEarly(
  err: unknown,
  message: string,
  manualActions: string[],
): { phase: 'cancelled' | 'aborted' | 'failed'; error: unknown } {
  if (isCancellation(err)) return { phase: 'cancelled', error: err };
  const type = failureTypeOf(err);
  const phase = type && ENDED_BY_ENGINEER.includes(type) ? 'aborted' : 'failed';
  const error = ApplicationFailure.create({
    message,
    type: type ?? 'RunFailed',
    nonRetryable: true,
    details: [{ manualActions, phase }],
    cause: err instanceof Error ? err : undefined,
  });
  return { phase, error };
}
