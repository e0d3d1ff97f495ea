/**
 * Service control over the CLI (`utils service restart` works for every service the procedure restarts,
 * including Cisco Tomcat, which Control Center Services cannot control).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { heartbeating, type ActivityContext, type NodeRef } from './context';
import { lastReportedState, parseServiceList } from './cucm/parsers';

export interface RestartOutcome {
  restarted: boolean;
  reason?: string;
}

/** What these activities use of the worker's shared context (and nothing else). */
type ServiceDeps = Pick<ActivityContext, 'withCli' | 'controlCenter'>;

export function serviceActivities(ctx: ServiceDeps) {
  return {
    /** Restarts a service only where it is Started, and waits until it reports STARTED again. */
    restartService: async (input: NodeRef & { service: string; scheduledAt?: string }): Promise<RestartOutcome> => {
      const log = Context.current().log;
      return ctx.withCli(input, (cli) =>
        heartbeating(async () => {
          let status = parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })).find(
            (s) => s.name === input.service,
          );
          if (!status) return { restarted: false, reason: `${input.service} does not exist on ${input.nodeId}` };
          // A retry after a crash must not restart the service a second time: an earlier attempt may have left it
          // restarting, or restarted since this step began (Control Center's UpTime tells). Since when: the workflow's
          // time when it scheduled the step (`scheduledAt`), not the activity info's scheduled time, which Temporal
          // sets to the current attempt's: a restart by the attempt a worker crash killed would look older than it.
          const info = Context.current().info;
          if (info.attempt > 1) {
            const scheduled = input.scheduledAt ? Date.parse(input.scheduledAt) : info.scheduledTimestampMs;
            const sinceScheduled = (Date.now() - Math.min(scheduled, info.scheduledTimestampMs)) / 1000;
            for (let i = 0; i < 120 && (status.state === 'STARTING' || status.state === 'STOPPING'); i++) {
              await new Promise((resolve) => setTimeout(resolve, 5_000));
              status =
                parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })).find(
                  (s) => s.name === input.service,
                ) ?? status;
            }
            const [live] = await ctx.controlCenter(input).status([input.service]);
            if (
              status.state === 'STARTED' &&
              live?.upTimeSeconds !== undefined &&
              live.upTimeSeconds >= 0 &&
              live.upTimeSeconds < sinceScheduled
            ) {
              log.info('service already restarted by an earlier attempt', {
                node: input.nodeId,
                service: input.service,
              });
              return {
                restarted: true,
                reason: `already restarted by an earlier attempt (up ${live.upTimeSeconds} s)`,
              };
            }
          }
          if (status.state !== 'STARTED') {
            return {
              restarted: false,
              reason: `${input.service} is ${status.state}${status.reason ? ` (${status.reason})` : ''} on ${input.nodeId}: not restarted`,
            };
          }
          const output = await cli.run(`utils service restart ${input.service}`, { timeoutMs: 10 * 60_000 });
          const state = lastReportedState(output, input.service);
          if (state !== 'STARTED') {
            throw ApplicationFailure.create({
              type: 'ServiceRestartFailed',
              message: `${input.nodeId}: ${input.service} reported ${state ?? 'no state'} after restart.`,
            });
          }
          log.info('service restarted', { node: input.nodeId, service: input.service });
          return { restarted: true };
        }),
      );
    },

    /** Stops a service (idempotent: already stopped is fine). */
    stopService: async (input: NodeRef & { service: string }): Promise<{ changed: boolean }> =>
      ctx.withCli(input, (cli) =>
        heartbeating(async () => {
          const status = parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })).find(
            (s) => s.name === input.service,
          );
          if (!status || status.state === 'STOPPED') return { changed: false };
          await cli.run(`utils service stop ${input.service}`, { timeoutMs: 10 * 60_000 });
          return { changed: true };
        }),
      ),

    /** Starts a service (idempotent: already started is fine). */
    startService: async (input: NodeRef & { service: string }): Promise<{ changed: boolean }> =>
      ctx.withCli(input, (cli) =>
        heartbeating(async () => {
          const status = parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })).find(
            (s) => s.name === input.service,
          );
          if (!status || status.state === 'STARTED') return { changed: false };
          await cli.run(`utils service start ${input.service}`, { timeoutMs: 10 * 60_000 });
          return { changed: true };
        }),
      ),

    /** Services and their states on a node (for pre-flight and the plan). */
    listServices: async (input: NodeRef) =>
      ctx.withCli(input, async (cli) =>
        parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })),
      ),
  };
}
