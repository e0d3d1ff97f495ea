/**
 * Root hooks for the whole mocha run: quiet SDK logs, and tear down the shared Temporal servers if a test started
 * them (one dev server and one time-skipping server per run at most; unit tests that need neither start neither).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { teardownSharedServers } from './support/temporal';

Runtime.install({ logger: new DefaultLogger('ERROR') });

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    await teardownSharedServers();
  },
};
