/**
 * The maintenance window's next opening, as a local activity: the time-zone arithmetic runs here, on the worker,
 * and its answer (an instant) is recorded in the run's history. A replay reads the recorded instant instead of
 * computing it again, so a Node upgrade with new time-zone rules never moves a timer of a run in flight.
 */
import { msUntilOpen, windowProblem } from '../domain/maintenance-window';
import type { MaintenanceWindow } from '../domain/types';

export interface WindowOpening {
  /** 0 when the window is open at `nowMs`. */
  waitMs: number;
  /** The instant the window opens (nowMs when it is open), ISO. */
  opensAt: string;
}

export function windowActivities() {
  return {
    /** When `window` next opens, seen from `nowMs` (the workflow's time, passed in so the answer is exact). */
    nextWindowOpening: async (input: { window: MaintenanceWindow; nowMs: number }): Promise<WindowOpening> => {
      const waitMs = msUntilOpen(input.window, input.nowMs);
      return { waitMs, opensAt: new Date(input.nowMs + waitMs).toISOString() };
    },
    /**
     * What is wrong with a window a run was started with (undefined when valid): whether its time zone exists is
     * the worker's zone database's answer, so it is asked here and recorded, not computed in workflow code.
     */
    maintenanceWindowProblem: async (input: { window: unknown }): Promise<{ problem?: string }> => {
      const problem = windowProblem(input.window);
      return problem ? { problem } : {};
    },
  };
}
