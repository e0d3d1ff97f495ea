/**
 * Notifications from a run: the workflow says what happened (a NotificationEvent: ids and plain text), one activity
 * per channel delivers it. Delivery runs beside the run, never in its way: nothing awaits it on a step's path, a
 * channel that fails after its retries is recorded (`failures`, shown in the run's state) and counted in the worker's
 * metrics, and the run waits for deliveries still in flight only when it ends, bounded by their deadline.
 */
import { ActivityFailure, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NotificationEvent, NotificationEventKind } from '../domain/notification-events';
import type { GateKind, PendingGate, RegenerationState } from '../domain/types';
import type { GateReminders, ReminderDelays, ReminderKind } from './run/reminders';

type MissingPhones = NonNullable<RegenerationState['missingPhones']>;

/** The first line of a gate's notification, after the run's own title. */
const GATE_TITLES: Partial<Record<GateKind, string>> = {
  'before-start': 'approval needed before anything changes',
  'before-restarts': 'approval needed before the service restarts',
  'before-phone-reset': 'approval needed before the phones are reset',
  'confirm-phones-reset': 'reset the phones, then confirm',
  'accept-missing-phones': 'phones still missing at the registration deadline',
  'canary-phones-missing':
    'canary phones did not come back (likely ITL/CTL trust): decide whether to reset the rest of the fleet',
  'step-failed': 'a step failed and waits for retry, skip or abort',
  'signed-certificate': 'waiting for the CA-signed chains',
  'before-uccx-trust': 'approve the upload of the new tomcat certificates to Unified CCX',
};

// Which channels take which events: read once per run. A short timeout: it reads the worker's inventory.
const lookup = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

// One delivery: a few attempts over at most 15 minutes; a gate that waits hours is worth a late message, a chat
// service that is down for longer is the failure the state shows.
const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '3 minutes', maximumAttempts: 6 },
});

interface NotificationFailure {
  channelId: string;
  event: NotificationEventKind;
  at: string;
  message: string;
}

export class RunNotifier {
  readonly failures: NotificationFailure[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sequence = 0;

  /**
   * `linkTo`: the workflow id people act on (a rotation's unit run links to its rotation, which takes the decisions
   * for its units).
   */
  constructor(
    private readonly clusterId: string,
    private readonly linkTo?: string,
    /** Told of each channel that failed for good: the run shows it in its state. */
    private readonly onFailure?: (failure: NotificationFailure) => void,
  ) {}

  private fail(failure: NotificationFailure): void {
    this.failures.push(failure);
    this.onFailure?.(failure);
  }

  /** The event of a gate that opened: what it decides, how to decide, and the plan's warnings. */
  gateOpened(gate: PendingGate, context: { title: string; warnings?: string[]; missingPhones?: MissingPhones }): void {
    const kind =
      gate.kind === 'step-failed'
        ? 'step-failed'
        : gate.kind === 'accept-missing-phones' || gate.kind === 'canary-phones-missing'
          ? 'phones-missing'
          : 'gate-opened';
    this.emit({
      kind,
      title: `${context.title}: ${GATE_TITLES[gate.kind] ?? `gate ${gate.kind}`}`,
      gate: {
        id: gate.id,
        kind: gate.kind,
        description: gate.description,
        allowed: gate.allowed,
        ...(gate.expiresAt ? { expiresAt: gate.expiresAt } : {}),
      },
      ...(context.warnings?.length && kind === 'gate-opened' ? { warnings: context.warnings } : {}),
      ...(kind === 'phones-missing' && context.missingPhones
        ? { missingPhones: { count: context.missingPhones.count, names: context.missingPhones.sample.slice(0, 20) } }
        : {}),
    });
  }

  /**
   * The reminders of this run's gates (./run/reminders.ts): the cluster's delays are read once per run, on the
   * first gate that opens; each reminder is an event like the gate's own, saying since when it waits.
   */
  gateReminders(title: string): GateReminders {
    let delays: Promise<ReminderDelays> | undefined;
    return {
      delays: () => (delays ??= lookup.gateReminderDelays({ clusterId: this.clusterId })),
      send: (gate: PendingGate, kind: ReminderKind, openedAt: string) => {
        const what = GATE_TITLES[gate.kind] ?? `gate ${gate.kind}`;
        this.emit({
          kind,
          title:
            kind === 'gate-reminder'
              ? `${title}: reminder, still open since ${openedAt}: ${what}`
              : `${title}: escalated, still open since ${openedAt}: ${what}`,
          details: [
            kind === 'gate-reminder'
              ? `Gate ${gate.id} has waited for a decision since ${openedAt}.`
              : `Gate ${gate.id} has waited for a decision since ${openedAt}, after a reminder: escalated.`,
          ],
          gate: {
            id: gate.id,
            kind: gate.kind,
            description: gate.description,
            allowed: gate.allowed,
            ...(gate.expiresAt ? { expiresAt: gate.expiresAt } : {}),
            openedAt,
          },
        });
      },
    };
  }

  /** The event of a run's end, with what is left to do by hand. */
  ended(title: string, outcome: NonNullable<NotificationEvent['outcome']>, manualActions?: string[]): void {
    this.emit({
      kind: 'run-ended',
      title: `${title}: ${outcome}`,
      outcome,
      ...(manualActions?.length ? { manualActions } : {}),
    });
  }

  /** Starts the deliveries of one event and returns at once. */
  emit(event: Omit<NotificationEvent, 'clusterId' | 'workflowId' | 'at'>): void {
    const full: NotificationEvent = {
      ...event,
      clusterId: this.clusterId,
      workflowId: this.linkTo ?? workflowInfo().workflowId,
      at: new Date().toISOString(),
    };
    const seq = ++this.sequence;
    // Not cancellable: a cancelled run still tells people it was cancelled, and a gate's message is not withdrawn.
    const done = CancellationScope.nonCancellable(() => this.deliver(full, seq)).finally(() =>
      this.inFlight.delete(done),
    );
    this.inFlight.add(done);
  }

  /** Waits for the deliveries still in flight (each bounded by its schedule-to-close timeout). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(event: NotificationEvent, seq: number): Promise<void> {
    let channels: string[];
    try {
      channels = await lookup.notificationChannels({ clusterId: this.clusterId, kind: event.kind });
    } catch (err) {
      this.fail({ channelId: '*', event: event.kind, at: event.at, message: messageOf(err) });
      return;
    }
    const { workflowId, runId } = workflowInfo();
    await Promise.all(
      channels.map(async (channelId) => {
        try {
          await delivery.deliverNotification({
            clusterId: this.clusterId,
            channelId,
            // Stable across the activity's retries and the workflow's replays.
            deliveryId: `${workflowId}/${runId}/${seq}/${channelId}`,
            event,
          });
        } catch (err) {
          this.fail({ channelId, event: event.kind, at: new Date().toISOString(), message: messageOf(err) });
        }
      }),
    );
  }
}

function messageOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
