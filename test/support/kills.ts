/**
 * What a kill test needs from Temporal: the stranded activity's timeouts shortened after a kill (what an operator
 * does with `temporal activity update-options`), and each activity's attempts as the workflow history records them,
 * so a test can assert where its kill landed (the attempt that was running never completed) and what the retry
 * did (its result).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';

/**
 * Shortens the heartbeat timeout and retry interval of the activities a killed worker left running in these
 * workflows, so the server times the stranded attempt out in seconds instead of minutes. Returns what it touched.
 */
export async function expediteStrandedActivities(client: Client, workflowIds: string[]): Promise<string[]> {
  const touched: string[] = [];
  for (const workflowId of workflowIds) {
    const description = await client.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined);
    for (const pending of description?.raw.pendingActivities ?? []) {
      await client.workflowService.updateActivityOptions({
        namespace: 'default',
        execution: { workflowId },
        id: pending.activityId,
        activityOptions: {
          // Long enough that a live worker's heartbeats (throttled by the SDK) never miss it on a loaded machine:
          // an attempt timed out while it still runs would work alongside its retry.
          heartbeatTimeout: msToTs(5_000),
          retryPolicy: { initialInterval: msToTs(200) },
        },
        updateMask: { paths: ['heartbeat_timeout', 'retry_policy.initial_interval'] },
      });
      touched.push(`${workflowId}:${pending.activityType?.name ?? pending.activityId}`);
    }
  }
  return touched;
}

/** One scheduled activity of a workflow, as its history tells it. */
export interface ActivityRecord {
  type: string;
  /** The first argument. */
  input: Record<string, unknown>;
  /** The attempt that ended it (completed, failed for good, timed out), or undefined while it runs. */
  attempt?: number;
  outcome: 'completed' | 'failed' | 'timed-out' | 'running';
  result?: Record<string, unknown>;
  /** When the server recorded it scheduled, and its end (epoch ms, the server's clock). */
  scheduledAt?: number;
  endedAt?: number;
}

const decode = (payloads: { payloads?: Payload[] | null } | null | undefined): Record<string, unknown> => {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(first) : {};
};

/** Every activity the workflow scheduled, in order, with the attempt that ended it and its result. */
export async function activitiesOf(client: Client, workflowId: string): Promise<ActivityRecord[]> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const byScheduled = new Map<string, ActivityRecord>();
  const records: ActivityRecord[] = [];
  for (const e of events ?? []) {
    const id = String(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const record: ActivityRecord = {
        type: scheduled.activityType?.name ?? '',
        input: decode(scheduled.input),
        outcome: 'running',
        ...(e.eventTime ? { scheduledAt: tsToMs(e.eventTime) } : {}),
      };
      byScheduled.set(id, record);
      records.push(record);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const record = byScheduled.get(String(started.scheduledEventId));
      if (record) record.attempt = started.attempt ?? undefined;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const record = byScheduled.get(String(completed.scheduledEventId));
      if (record)
        Object.assign(record, {
          outcome: 'completed',
          result: decode(completed.result),
          ...(e.eventTime ? { endedAt: tsToMs(e.eventTime) } : {}),
        });
    }
    const failed = e.activityTaskFailedEventAttributes;
    if (failed) {
      const record = byScheduled.get(String(failed.scheduledEventId));
      if (record) record.outcome = 'failed';
    }
    const timedOut = e.activityTaskTimedOutEventAttributes;
    if (timedOut) {
      const record = byScheduled.get(String(timedOut.scheduledEventId));
      if (record) record.outcome = 'timed-out';
    }
  }
  return records;
}
