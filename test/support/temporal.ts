/**
 * Shared Temporal servers for the test run, from the binaries scripts/temporal-cli.ts provisions (never the SDK's
 * download, never a mock): a real dev server for integration tests and the time-skipping test server for timer
 * tests. Each starts on first use and stops in the root afterAll hook. The workflow bundle is built once too.
 */
// Not re-exported from the package root; the lib path is public in the package's files.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureTemporalBinary } from '../../scripts/temporal-cli';
import { buildWorkflowBundle } from '../../worker/bundle';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { expiryScheduleId } from '../../domain/contract/expiry-watch';
import type { Client } from '@temporalio/client';

let devServer: Promise<TestWorkflowEnvironment> | undefined;
let timeSkipping: Promise<TestWorkflowEnvironment> | undefined;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

const quiet = () => undefined;

/**
 * Starts a server, again when it does not answer within the SDK's 5 s (a loaded machine: seen once while a
 * type-aware lint ran beside the long suites); any other failure, or a third slow start, is the test's failure.
 */
async function startPatiently(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
    }
  }
}

/** The dev server (`temporal server start-dev`) with the project's search attributes. */
export function sharedDevServer(): Promise<TestWorkflowEnvironment> {
  devServer ??= ensureTemporalBinary('cli', quiet).then((binary) =>
    startPatiently(() =>
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: binary.path },
          extraArgs: SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]),
        },
      }),
    ),
  );
  return devServer;
}

/** The Java SDK's time-skipping test server: timers of hours run in milliseconds. */
export function sharedTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  timeSkipping ??= ensureTemporalBinary('test-server', quiet).then(async (binary) => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: binary.path } },
    });
    // The test server takes no --search-attribute flag; register ours through the operator API instead.
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((sa) => [sa.name, encodeSearchAttributeIndexedValueType(sa.key.type) ?? 0]),
      ),
    });
    return env;
  });
  return timeSkipping;
}

export function sharedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // The function `npm run build` writes dist/workflow-bundle.js with: the replay tests check what production runs.
  bundle ??= buildWorkflowBundle({
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: quiet,
    error: console.error,
    log: quiet,
  });
  return bundle;
}

/** The shared servers this run has started so far. */
export async function startedSharedServers(): Promise<TestWorkflowEnvironment[]> {
  return Promise.all(
    [devServer, timeSkipping].filter((env): env is Promise<TestWorkflowEnvironment> => env !== undefined),
  );
}

export async function teardownSharedServers(): Promise<void> {
  const started = [devServer, timeSkipping].filter((env): env is Promise<TestWorkflowEnvironment> => env !== undefined);
  const envs = await Promise.allSettled(started);
  await Promise.all(envs.map((e) => (e.status === 'fulfilled' ? e.value.teardown() : Promise.resolve())));
  devServer = timeSkipping = undefined;
}

let counter = 0;
/** A task queue per test, so workers of different tests never take each other's tasks. */
export function uniqueTaskQueue(name: string): string {
  counter += 1;
  return `test-${name}-${process.pid}-${counter}`;
}

/**
 * A test's cleanup on the shared server: the expiry Schedules of these clusters deleted, and every workflow still
 * running on its task queue terminated, so nothing of it runs on into the next test.
 */
export async function removeSchedulesAndRuns(
  client: Client,
  taskQueue: string,
  clusterIds: readonly string[] = [],
): Promise<void> {
  for (const id of clusterIds)
    await client.schedule
      .getHandle(expiryScheduleId(id, taskQueue))
      .delete()
      .catch(() => undefined);
  for await (const wf of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  }))
    await client.workflow
      .getHandle(wf.workflowId)
      .terminate('test cleanup')
      .catch(() => undefined);
}
