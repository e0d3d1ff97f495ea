/**
 * A rotation's unit run tells its rotation how it stands (steps, gates, decisions, serials), so the rotation's own
 * state query answers the whole rotation and decisions sent to the rotation can be checked there. At most one
 * report is in flight: changes made meanwhile go out in the next one, so a burst of step updates costs one or two
 * signals, not one each.
 */
import { CancellationScope, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { unitProgressSignal } from '../domain/messages';
import type { RegenerationState } from '../domain/types';

export class UnitReport {
  private dirty = false;
  private inFlight?: Promise<void>;

  constructor(
    private readonly rotationId: string,
    private readonly unit: string,
    private readonly workflowId: string,
    private readonly state: () => RegenerationState,
  ) {}

  /** The state changed: report it (now, or right after the report in flight). */
  changed(): void {
    this.dirty = true;
    this.inFlight ??= this.send();
  }

  /** Reports the final state and waits until the rotation has it (also when the run is being cancelled). */
  async flush(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      this.changed();
      while (this.inFlight) await this.inFlight;
    });
  }

  private async send(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        // The plan stays out: the rotation holds the whole rotation's plan. Payloads are taken at this call.
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { plan, ...state } = this.state();
        try {
          await getExternalWorkflowHandle(this.rotationId).signal(unitProgressSignal, {
            unit: this.unit,
            workflowId: this.workflowId,
            state,
          });
        } catch (err) {
          // The rotation is gone (terminated, or cancelled first): nothing to tell.
          log.warn('could not report to the rotation', { rotationId: this.rotationId, error: String(err) });
          return;
        }
      }
    } finally {
      this.inFlight = undefined;
    }
  }
}
