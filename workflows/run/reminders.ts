/**
 * A gate left open is not forgotten: after the cluster's gateReminders.remindAfterSeconds the people who decide
 * are told again (gate-reminder), and after escalateAfterSeconds more, the escalation channels too
 * (gate-escalated). Both wait on workflow time (a condition with a timeout: one timer each, cancelled the moment
 * the gate is decided, whatever decided it), so the history holds a fixed number of events per reminder and none
 * once the gate is decided. Runs beside the gate's wait, never in its way: the gate's own 7-day expiry is
 * unchanged, and a failure here is logged, never the run's.
 */
import { condition, isCancellation, log, patched } from '@temporalio/workflow';
import type { ReminderDelays } from '../../domain/notification-events';
import type { PendingGate } from '../../domain/types';
import { PATCHES } from '../patches';

export type { ReminderDelays };
export type ReminderKind = 'gate-reminder' | 'gate-escalated';

/** What the reminders need from the run's notifier (../notify.ts, RunNotifier.gateReminders). */
export interface GateReminders {
  /** The cluster's delays (read from the inventory once per run). */
  delays(): Promise<ReminderDelays>;
  /** Tells the channels that take `kind` that the gate is still open. */
  send(gate: PendingGate, kind: ReminderKind, openedAt: string): void;
}

/**
 * Starts the reminders of a gate that just opened and returns at once; they stop when `isOpen()` turns false (the
 * gate decided, or the run ended its wait in any way).
 */
export function remindWhileOpen(gate: PendingGate, isOpen: () => boolean, reminders: GateReminders): void {
  // Runs recorded before reminders existed replay without them.
  if (!patched(PATCHES.gateReminders)) return;
  const openedAtMs = Date.now();
  remind(gate, isOpen, reminders, openedAtMs).catch((err: unknown) => {
    // A cancelled run cancels its timers: nothing to remind of. Anything else is logged, the run goes on.
    if (!isCancellation(err)) log.warn('gate reminders stopped', { gateId: gate.id, error: String(err) });
  });
}

async function remind(
  gate: PendingGate,
  isOpen: () => boolean,
  reminders: GateReminders,
  openedAtMs: number,
): Promise<void> {
  const openedAt = new Date(openedAtMs).toISOString();
  const { remindAfterSeconds, escalateAfterSeconds } = await reminders.delays();
  const remindAt = openedAtMs + remindAfterSeconds * 1000;
  const steps: Array<{ kind: ReminderKind; at: number; what: string }> = [
    { kind: 'gate-reminder', at: remindAt, what: 'reminder' },
    { kind: 'gate-escalated', at: remindAt + escalateAfterSeconds * 1000, what: 'escalation' },
  ];
  for (const step of steps) {
    if (!isOpen()) return;
    // The timer's summary names the gate and the step: the UI's event history says what each timer is.
    const decided = await condition(() => !isOpen(), Math.max(1, step.at - Date.now()), {
      summary: `Gate ${gate.id}: ${step.what} if still open`,
    });
    if (decided) return;
    reminders.send(gate, step.kind, openedAt);
  }
}
