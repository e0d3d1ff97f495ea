/**
 * The expiry watch's Temporal Schedules, one per inventory cluster (`expiry-watch:<clusterId>`): created, or
 * updated to the inventory's time, zone and policy, when the worker starts. A new Schedule takes its first action at
 * once (the first watch), the next ones at the daily time. An update keeps the Schedule's state,
 * so a watch an engineer paused stays paused (with its note) across restarts. Daily at the cluster's local time:
 * the calendar and its time zone are Temporal's job (daylight saving included), not workflow code.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import { expiryPolicyOf } from '../domain/inventory/expiry-policy';
import { runApprovalPolicy } from '../domain/inventory/approval-policy';
import { CERTIFICATE_UNITS } from '../domain/units';
import type { Inventory, InventoryCluster } from '../domain/inventory/types';
import {
  EXPIRY_WATCH_TYPE,
  expiryScheduleId,
  type ExpiryWatchInput,
  type ExpiryWatchResult,
} from '../domain/contract/expiry-watch';
import { CLUSTER_ID } from '../domain/search-attributes';
import { freezesAhead } from '../domain/freeze';
import { freezeMarginDaysOf, freezesOf } from '../domain/inventory/freezes';
import type { ExpiryReading } from '../domain/certificates';

/** What the Schedule of a cluster should be, from the inventory. */
function expiryScheduleOptions(inventory: Inventory, cluster: InventoryCluster, taskQueue: string): ScheduleOptions {
  const policy = expiryPolicyOf(cluster);
  const [hour, minute] = policy.at.split(':').map(Number) as [number, number];
  const input: ExpiryWatchInput = {
    clusterId: cluster.id,
    renewBeforeDays: policy.renewBeforeDays,
    approvals: policy.approvals,
    ...(policy.maintenanceWindow ? { maintenanceWindow: policy.maintenanceWindow } : {}),
    // The same approval policy as a manual start: the watch's renewal carries it (whichever units are due).
    approvalPolicy: runApprovalPolicy(inventory, cluster, 'regeneration', CERTIFICATE_UNITS),
  };
  // The freezes as UTC instants, computed here (the worker, at start) so the watch holds no time-zone data; an
  // ended freeze decides nothing and is left out. A new freeze in the inventory reaches the watch when the worker
  // restarts with it, like every other field of the Schedule.
  const freezes = freezesAhead(freezesOf(cluster), Date.now());
  if (freezes.length > 0) Object.assign(input, { freezes, freezeMarginDays: freezeMarginDaysOf(cluster) });
  const gates = policy.approvals.length ? `gated at ${policy.approvals.join(', ')}` : 'no optional gate';
  const window = policy.maintenanceWindow
    ? `inside ${policy.maintenanceWindow.start}-${policy.maintenanceWindow.end} ${policy.maintenanceWindow.timeZone}`
    : 'no maintenance window';
  return {
    scheduleId: expiryScheduleId(cluster.id, taskQueue),
    spec: {
      calendars: [{ hour, minute, comment: `daily at ${policy.at} ${policy.timeZone}` }],
      timezone: policy.timeZone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: EXPIRY_WATCH_TYPE,
      // The Schedule appends the scheduled time: expiry-watch:<clusterId>-2026-12-02T06:00:00Z.
      workflowId: expiryScheduleId(cluster.id, taskQueue),
      taskQueue,
      args: [input],
      typedSearchAttributes: [{ key: CLUSTER_ID, value: cluster.id }],
      staticSummary: `Expiry watch of ${cluster.id}: discover, export days left, renew units within ${policy.renewBeforeDays} days (${gates}, ${window}${freezes.length ? `, ${freezes.length} change freeze(s): nothing starts inside one, renewals brought forward` : ''})`,
    },
    policies: {
      // A watch still running (a node slow to answer) is not doubled; a missed day (Temporal down) runs once late.
      overlap: 'SKIP',
      catchupWindow: '6 hours',
    },
    memo: {
      clusterId: cluster.id,
      purpose: `Daily certificate expiry watch of cluster ${cluster.name}: discovers, exports cucm_certificate_expiry_days and cucm_expired_trust_certificates, starts a renewal of the units within renewBeforeDays through the cluster entity.`,
    },
    state: {
      note: `Created from the inventory by the worker: daily at ${policy.at} ${policy.timeZone}; first watch at creation.`,
      // The first watch runs as the Schedule is created (a new install, or a cluster added to the inventory), so the
      // gauges and GET /v1/clusters/{id}/expiry-watch have data within minutes, not after the next daily run. Part of
      // the create call, so exactly one worker's create triggers it; an update (every later start) never does.
      triggerImmediately: true,
    },
  };
}

/** Creates or updates every cluster's Schedule; idempotent, safe for several workers starting at once. */
export async function upsertExpirySchedules(
  client: Client,
  inventory: Inventory,
  taskQueue: string,
): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const results: Array<{ scheduleId: string; created: boolean }> = [];
  for (const cluster of inventory.clusters) {
    const options = expiryScheduleOptions(inventory, cluster, taskQueue);
    const handle = client.schedule.getHandle(options.scheduleId);
    const update = () =>
      handle.update((previous) => ({
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        // Paused stays paused, with the engineer's note.
        state: previous.state,
      }));
    try {
      await update();
      results.push({ scheduleId: options.scheduleId, created: false });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      try {
        await client.schedule.create(options);
        results.push({ scheduleId: options.scheduleId, created: true });
      } catch (createErr) {
        // Another worker created it meanwhile: bring it to this inventory.
        if (!(createErr instanceof ScheduleAlreadyRunning)) throw createErr;
        await update();
        results.push({ scheduleId: options.scheduleId, created: false });
      }
    }
  }
  return results;
}

/**
 * What each cluster's last completed watch found, for the gauges of a worker that just started: its /metrics would
 * otherwise show no cucm_certificate_expiry_days until the next daily run (alerts on an absent series fire, or
 * worse, go quiet). The readings are the watch's own results (days left as of its check, as the gauges hold them
 * between two runs), newest completed run first among the Schedule's recent actions; a cluster never watched is
 * left out.
 */
export async function lastExpiryReadings(
  client: Client,
  inventory: Inventory,
  taskQueue: string,
): Promise<Array<{ clusterId: string; checkedAt: string; reading: ExpiryReading }>> {
  const readings: Array<{ clusterId: string; checkedAt: string; reading: ExpiryReading }> = [];
  for (const cluster of inventory.clusters) {
    let recent;
    try {
      recent = (await client.schedule.getHandle(expiryScheduleId(cluster.id, taskQueue)).describe()).info.recentActions;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) continue;
      throw err;
    }
    for (const action of [...recent].reverse()) {
      const handle = client.workflow.getHandle(action.action.workflow.workflowId);
      const { status } = await handle.describe().catch(() => ({ status: undefined }));
      if (status?.name !== 'COMPLETED') continue;
      const result = (await handle.result()) as ExpiryWatchResult;
      readings.push({
        clusterId: cluster.id,
        checkedAt: result.checkedAt,
        reading: {
          clusterId: cluster.id,
          certificates: result.certificates.flatMap((r) =>
            r.daysLeft === null ? [] : [{ node: r.node, unit: r.unit, daysLeft: r.daysLeft }],
          ),
          expiredTrust: result.expiredTrust,
        },
      });
      break;
    }
  }
  return readings;
}
