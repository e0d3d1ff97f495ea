/**
 * Control Center refuses to restart Cisco Tomcat (not deployable: the CLI restarts it). No public capture shows how,
 * so the simulator shows both shapes, per cluster: HTTP 200 with ReturnCode -1 and the refusal in ReasonString, or
 * HTTP 500 with a SOAP fault. The product's client (activities/cucm/control-center.ts) must fail the same way on
 * both: a final `fault` carrying the node's reason, never a success and never a retryable outage. Over HTTPS with
 * the product's own pinned TLS, against the simulator; the simulator's event log witnesses the refusal.
 */
import assert from 'node:assert/strict';
import { ActivityContext } from '../../activities/context';
import { CucmHttpError } from '../../activities/cucm/errors';
import { startSimulatedCluster, twoNodes14, type SimulatedCluster } from '../support/simulator';

describe('Control Center refusing Cisco Tomcat, in both shapes', function () {
  this.timeout(60_000);
  let lab: SimulatedCluster;

  before(async () => {
    lab = await startSimulatedCluster(
      [
        twoNodes14('refuse200', { controlCenter: { refusal: 'reason-string' } }),
        twoNodes14('refuse500', { controlCenter: { refusal: 'fault' } }),
      ],
      0.01,
    );
  });
  after(() => lab?.sim.stop());

  for (const [clusterId, status] of [
    ['refuse200', 200],
    ['refuse500', 500],
  ] as const) {
    it(`${clusterId}: HTTP ${status} refusal is a final fault with the node's reason`, async () => {
      const ref = { clusterId, nodeId: 'sub1' };
      const since = await lab.control.lastSeq(clusterId);
      const ctx = new ActivityContext(lab.activityDeps);
      const err = await ctx
        .controlCenter(ref)
        .control('Restart', ['Cisco Tomcat'])
        .then(
          () => assert.fail('the refused restart was reported as accepted'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof CucmHttpError, String(err));
      assert.equal(err.status, status, 'the shape this cluster answers in');
      assert.equal(err.kind, 'fault');
      assert.equal(err.retryable, false, 'a refusal answers the same on every retry');
      assert.match(err.message, /Cisco Tomcat cannot be started, stopped or restarted through Control Center/);
      const refused = await lab.control.events(clusterId, { kind: 'control-center', node: 'sub1', since });
      assert.deepEqual(
        refused.map((e) => e.detail.result),
        ['refused'],
        'the node saw one request and refused it',
      );
      // Tomcat kept running: nothing was restarted.
      const tomcat = (await lab.control.node(clusterId, 'sub1')).services.find((s) => s.name === 'Cisco Tomcat');
      assert.equal(tomcat?.state, 'STARTED');
    });
  }

  it('both shapes: an accepted restart (Cisco Tftp) still returns the statuses', async () => {
    for (const clusterId of ['refuse200', 'refuse500']) {
      const result = await new ActivityContext(lab.activityDeps)
        .controlCenter({ clusterId, nodeId: 'pub' })
        .control('Restart', ['Cisco Tftp']);
      assert.equal(result.returnCode, '0', clusterId);
      assert.equal(result.services[0]?.name, 'Cisco Tftp');
    }
  });
});
