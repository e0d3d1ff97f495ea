/**
 * The workflow bundle: built once by `npm run build` (scripts/build.ts) into dist/workflow-bundle.js, which the
 * compiled worker loads; under tsx (development, `npm start`, the tests) the same function bundles at start. The
 * replay tests check the bundle this function builds, so what replays is what production runs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const workflowsPath = require.resolve('../workflows');

/** The bundle's file name, at the root of the build output (dist/). */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

type BundleLogger = NonNullable<Parameters<typeof bundleWorkflowCode>[0]['logger']>;

export function buildWorkflowBundle(logger?: BundleLogger): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, ...(logger ? { logger } : {}) });
}

/**
 * The bundle built with this code, if there is one: `WORKFLOW_BUNDLE` when set, else dist/workflow-bundle.js beside
 * the compiled worker. Undefined under tsx (no build output beside the sources): the worker bundles at start.
 */
export function prebuiltWorkflowBundle(env: NodeJS.ProcessEnv = process.env): { codePath: string } | undefined {
  if (env.WORKFLOW_BUNDLE) {
    if (!existsSync(env.WORKFLOW_BUNDLE))
      throw new Error(`WORKFLOW_BUNDLE=${env.WORKFLOW_BUNDLE} does not exist: run npm run build, or unset it.`);
    return { codePath: env.WORKFLOW_BUNDLE };
  }
  const beside = join(__dirname, '..', WORKFLOW_BUNDLE_FILE);
  return __filename.endsWith('.js') && existsSync(beside) ? { codePath: beside } : undefined;
}
