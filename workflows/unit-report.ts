/**
 * A rotation's unit run tells its rotation how it stands, so decisions sent to the rotation can be checked there
 * and the rotation can show its progress. At most one report is in flight: changes made meanwhile go out in the
 * next one, so a burst of step updates costs one or two signals, not one each.
 *
 * Since v1.1.0 (patch unit-summaries) the report is a summary whose size does not grow with the steps taken
 * (../domain/unit-summary.ts), sent only when it differs from the last one sent, with the CSRs' PEMs only when they
 * changed: a rotation's history then grows with the number of reports, each small, instead of with the square of
 * the steps. Runs started before it replay the old way (the whole state on every change).
 */
import { CancellationScope, getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import { unitProgressSignal, unitSummarySignal } from '../domain/messages';
import type { RegenerationState } from '../domain/types';
import { summarizeUnit, waitingCsrs, type UnitSummaryReport } from '../domain/unit-summary';
import { PATCHES } from './patches';

export class UnitReport {
  private dirty = false;
  /**
   * A send loop is running. Kept apart from `inFlight` because a loop with nothing new to tell ends without
   * awaiting anything: it is over before `changed()` could store its promise, so the promise alone would claim a loop
   * that no longer runs (and no later change would ever be sent).
   */
  private sending = false;
  private inFlight: Promise<void> = Promise.resolve();
  /** What the rotation was last sent (summary, and CSRs), as JSON: an unchanged summary is not sent again. */
  private lastSummary?: string;
  private lastCsrs = '[]';

  constructor(
    private readonly rotationId: string,
    private readonly unit: string,
    private readonly workflowId: string,
    private readonly state: () => RegenerationState,
  ) {}

  /** The state changed: report it (now, or right after the report in flight). */
  changed(): void {
    this.dirty = true;
    if (!this.sending) this.inFlight = this.send();
  }

  /** Reports the final state and waits until the rotation has it (also when the run is being cancelled). */
  async flush(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      this.changed();
      while (this.sending) await this.inFlight;
    });
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          if (patched(PATCHES.unitSummaries)) {
            const report = this.summary();
            if (report) await getExternalWorkflowHandle(this.rotationId).signal(unitSummarySignal, report);
          } else {
            // The plan stays out: the rotation holds the whole rotation's plan. Payloads are taken at this call.
            // eslint-disable-next-line @typescript-eslint/no-unused-vars
            const { plan, ...state } = this.state();
            await getExternalWorkflowHandle(this.rotationId).signal(unitProgressSignal, {
              unit: this.unit,
              workflowId: this.workflowId,
              state,
            });
          }
        } catch (err) {
          // The rotation is gone (terminated, or cancelled first): nothing to tell.
          log.warn('could not report to the rotation', { rotationId: this.rotationId, error: String(err) });
          return;
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The report to send now, or undefined when the rotation already has this summary and these CSRs. */
  private summary(): UnitSummaryReport | undefined {
    const state = this.state();
    const summary = summarizeUnit(state);
    const csrs = waitingCsrs(state);
    const summaryJson = JSON.stringify(summary);
    const csrsJson = JSON.stringify(csrs);
    const csrsChanged = csrsJson !== this.lastCsrs;
    if (summaryJson === this.lastSummary && !csrsChanged) return undefined;
    this.lastSummary = summaryJson;
    this.lastCsrs = csrsJson;
    return { unit: this.unit, workflowId: this.workflowId, summary, ...(csrsChanged ? { csrs } : {}) };
  }
}
