/**
 * What each workflow of a run weighs in Temporal's history, as anyone with the Temporal client can read it: every
 * execution on the run's task queue (the rotation, its unit runs, the cluster's entity, runs continued as new),
 * listed from visibility and fetched whole. Temporal limits a history in bytes (it warns at 10 MB and terminates the
 * workflow at 50 MB by default), so bytes are counted, not only events; and what makes a history grow: the largest
 * single event, the largest signal and update payloads, and the bytes per event type.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads;

export interface WorkflowHistorySize {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  events: number;
  /** The history as Temporal stores and serves it (protobuf-encoded events). */
  bytes: number;
  /** The largest single event: its type and encoded size. */
  largestEvent: { type: string; bytes: number };
  /** Signals received: how many, the first's and the largest's input size (protobuf-encoded payloads). */
  signals: { count: number; firstBytes: number; largestBytes: number; totalBytes: number };
  /** Updates accepted: how many and the largest input. */
  updates: { count: number; largestBytes: number };
  /** Encoded bytes and count per event type, largest first. */
  byEventType: Array<{ type: string; count: number; bytes: number }>;
}

const payloadBytes = (p: Payloads | null | undefined) =>
  p ? temporal.api.common.v1.Payloads.encode(p).finish().length : 0;

const eventTypeName = (e: HistoryEvent) =>
  (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');

/** Measures one history. */
export function measureHistory(
  history: temporal.api.history.v1.IHistory,
  id: { workflowId: string; runId: string; type: string; status: string },
): WorkflowHistorySize {
  const events = history.events ?? [];
  const byType = new Map<string, { count: number; bytes: number }>();
  let largestEvent = { type: '', bytes: 0 };
  const signals: number[] = [];
  const updates: number[] = [];
  for (const e of events) {
    const bytes = temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    const type = eventTypeName(e);
    const t = byType.get(type) ?? { count: 0, bytes: 0 };
    t.count += 1;
    t.bytes += bytes;
    byType.set(type, t);
    if (bytes > largestEvent.bytes) largestEvent = { type, bytes };
    if (e.workflowExecutionSignaledEventAttributes)
      signals.push(payloadBytes(e.workflowExecutionSignaledEventAttributes.input));
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args;
    if (accepted !== undefined) updates.push(payloadBytes(accepted));
  }
  return {
    ...id,
    events: events.length,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    largestEvent,
    signals: {
      count: signals.length,
      firstBytes: signals[0] ?? 0,
      largestBytes: Math.max(0, ...signals),
      totalBytes: signals.reduce((a, b) => a + b, 0),
    },
    updates: { count: updates.length, largestBytes: Math.max(0, ...updates) },
    byEventType: [...byType].map(([type, t]) => ({ type, ...t })).sort((a, b) => b.bytes - a.bytes),
  };
}

/** Every execution on `taskQueue` (closed or open), measured; largest history first. */
export async function historySizesOnQueue(client: Client, taskQueue: string): Promise<WorkflowHistorySize[]> {
  const out: WorkflowHistorySize[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    out.push(
      measureHistory(history, { workflowId: wf.workflowId, runId: wf.runId, type: wf.type, status: wf.status.name }),
    );
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}
