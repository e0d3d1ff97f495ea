/**
 * Notifications from a run: the workflow says what happened (a NotificationEvent: ids and plain text), one activity
 * per channel delivers it. Delivery runs beside the run, never in its way: nothing awaits it on a step's path, a
 * channel that fails after its retries is recorded (`failures`, shown in the run's state) and counted in the worker's
 * metrics, and the run waits for deliveries still in flight only when it ends, bounded by their deadline.
 *
 * Versioned: runs started before notifications existed emit none (patched('notifications-v1')).
 */
import { ActivityFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NotificationEvent, NotificationEventKind } from './notification-events';

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

export interface NotificationFailure {
  channelId: string;
  event: NotificationEventKind;
  at: string;
  message: string;
}

export class RunNotifier {
  readonly failures: NotificationFailure[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sequence = 0;
  private readonly enabled = patched('notifications-v1');

  constructor(private readonly clusterId: string) {}

  /** Starts the deliveries of one event and returns at once. */
  emit(event: Omit<NotificationEvent, 'clusterId' | 'workflowId' | 'at'>): void {
    if (!this.enabled) return;
    const full: NotificationEvent = {
      ...event,
      clusterId: this.clusterId,
      workflowId: workflowInfo().workflowId,
      at: new Date().toISOString(),
    };
    const seq = ++this.sequence;
    const done = this.deliver(full, seq).finally(() => this.inFlight.delete(done));
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
      this.failures.push({ channelId: '*', event: event.kind, at: event.at, message: messageOf(err) });
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
          this.failures.push({ channelId, event: event.kind, at: new Date().toISOString(), message: messageOf(err) });
        }
      }),
    );
  }
}

function messageOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
