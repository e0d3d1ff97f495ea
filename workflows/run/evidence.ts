/**
 * What each step sent, taken from its activities: every activity result (or failure) that carries the requests its
 * attempt recorded (`sent`, see activities/activity-support.ts) has them taken off here, so they go into the step
 * that called the activity and nowhere else (not into the run's result, a discovery handed on, or another
 * activity's input). Every call of an activity that reaches a cluster goes through `named` (../steps/proxies.ts)
 * or `withSentOf`: a result that is not an object (a boolean, a list) comes wrapped with its `sent`, and only
 * these unwrap it. The step is found through Temporal's workflow AsyncLocalStorage, so steps running side by
 * side (a restart batch's nodes) each keep their own. Taking a field off a result changes no command.
 */
import { ActivityFailure, ApplicationFailure, AsyncLocalStorage } from '@temporalio/workflow';
import { addSent, asSentRecord, SENT_KEY, WRAPPED_RESULT, type SentRecord } from '../../domain/evidence';

const currentStep = new AsyncLocalStorage<SentRecord>();

/** Runs a step's work with `into` collecting what its activities sent. */
export function collectingSent<T>(into: SentRecord, work: () => Promise<T>): Promise<T> {
  return currentStep.run(into, work);
}

/** An activity's result without its `sent`, which goes to the step running now (if any). */
export function takeSent<R>(result: R, into = currentStep.getStore()): R {
  if (!result || typeof result !== 'object' || Array.isArray(result) || !(SENT_KEY in result)) return result;
  const { [SENT_KEY]: sent, ...rest } = result as Record<string, unknown>;
  if (into) addSent(into, asSentRecord(sent));
  // A result that is not an object came wrapped (a boolean, a list): the value itself, as the activity returned it.
  if (WRAPPED_RESULT in rest && Object.keys(rest).length === 1) return rest[WRAPPED_RESULT] as R;
  return rest as R;
}

/** What a failed activity's last attempt sent (the last detail of its failure), added to the step running now. */
function takeSentOfFailure(err: unknown, into: SentRecord | undefined): void {
  if (!into || !(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return;
  const last = err.cause.details?.at(-1) as Record<string, unknown> | undefined;
  addSent(into, asSentRecord(last?.[SENT_KEY]));
}

/** Awaits an activity call, its `sent` taken off the result (or the failure) and added to the step running now. */
export async function withSentOf<R>(call: Promise<R>): Promise<R> {
  // Read before awaiting: the step is the one that made this call.
  const into = currentStep.getStore();
  try {
    return takeSent(await call, into);
  } catch (err) {
    takeSentOfFailure(err, into);
    throw err;
  }
}
