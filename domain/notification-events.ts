/**
 * What a run tells the people who watch a cluster: the events, as the workflow emits them (ids, names and plain
 * text only; never a credential or a channel address — the delivering activity adds the links and resolves the channels
 * from the inventory). Shared by the workflows, the notification activity and the tests.
 */

export const NOTIFICATION_EVENT_KINDS = [
  /** A run stopped at a gate and waits for a person. */
  'gate-opened',
  /** An activity exhausted its retries or a verification failed: a step-failed gate is open. */
  'step-failed',
  /** Phones still missing at the registration deadline. */
  'phones-missing',
  /** A run ended: completed, aborted, failed or cancelled, with what is left to do by hand. */
  'run-ended',
  /** The expiry watch found certificates within the cluster's renewBeforeDays. */
  'renewal-due',
  /** A gate is still open after the cluster's gateReminders.remindAfterSeconds: the people who decide are told again. */
  'gate-reminder',
  /** A gate is still open after its reminder and escalateAfterSeconds: told again, and to the escalation channels. */
  'gate-escalated',
] as const;

export type NotificationEventKind = (typeof NOTIFICATION_EVENT_KINDS)[number];

/** When a gate left open is reminded of, then escalated (the cluster's gateReminders, in seconds). */
export interface ReminderDelays {
  /** After the gate opened. */
  remindAfterSeconds: number;
  /** After the reminder. */
  escalateAfterSeconds: number;
}

interface NotificationGate {
  id: string;
  kind: string;
  description: string;
  /** The decisions the gate takes, e.g. ["approve", "reject", "abort"]. */
  allowed: string[];
  /** ISO-8601 instant at which the gate gives up, when it has one. */
  expiresAt?: string;
  /** gate-reminder and gate-escalated: when the gate opened (ISO-8601). */
  openedAt?: string;
}

export interface NotificationEvent {
  kind: NotificationEventKind;
  clusterId: string;
  /** The run's workflow id (the id the REST API and the Temporal UI use); absent for the expiry watch. */
  workflowId?: string;
  /** ISO-8601 instant of the event (workflow time: deterministic). */
  at: string;
  /** One line a person reads first, e.g. "tomcat on lab-14: approval needed before start". */
  title: string;
  /** Further lines, plain text. */
  details?: string[];
  gate?: NotificationGate;
  /** The plan's warnings (TN 214231 cautions), shown with a gate. */
  warnings?: string[];
  /** step-failed: the failed step and its error. */
  step?: { id: string; description: string; errorType?: string; message?: string };
  /** phones-missing: how many, and the first names. */
  missingPhones?: { count: number; names: string[] };
  /** run-ended. */
  outcome?: 'completed' | 'aborted' | 'failed' | 'cancelled';
  manualActions?: string[];
  /** renewal-due: the due certificates. */
  dueCertificates?: { node: string; unit: string; daysLeft: number; notAfter: string }[];
}
