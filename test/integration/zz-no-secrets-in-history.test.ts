/**
 * Runs last (mocha sorts the files): reads the full history of every workflow this test run started on the shared
 * dev server (inputs, results, activity arguments and results, queries' state, failures) and checks that none
 * carries a password the simulators handed out, or a private key.
 */
import assert from 'node:assert/strict';
import { secretsOfThisRun } from '../support/simulator';
import { postJson, startSystem } from '../support/system';
import { sharedDevServer } from '../support/temporal';

/** Every string in the history, with payload bytes decoded (payloads are JSON in bytes). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('no secret in any workflow history of this test run', function () {
  this.timeout(120_000);

  it('finds no password and no private key in any event of any workflow', async () => {
    // Run one regeneration here too, so the check holds even when this file runs alone.
    const system = await startSystem('no-secrets');
    try {
      const { json } = await postJson(`${system.baseUrl}/v1/clusters/lab1/regenerations`, {
        units: ['tomcat'],
        approvals: [],
      });
      await system.env.client.workflow.getHandle(json.id as string).result();
    } finally {
      await system.stop();
    }
    const secrets = [...secretsOfThisRun].filter((s) => s.length >= 8);
    assert.ok(secrets.length > 0, 'the run used secrets to look for');
    let workflows = 0;
    let events = 0;
    // The dev server runs every workflow with real activities (the time-skipping server only runs mocked ones).
    const env = await sharedDevServer();
    for await (const wf of env.client.workflow.list()) {
      const history = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      workflows += 1;
      events += history.events?.length ?? 0;
      const text = strings(history).join('\n');
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `workflow ${wf.workflowId} carries a secret in its history`);
      assert.doesNotMatch(text, /PRIVATE KEY-----/, `workflow ${wf.workflowId} carries a private key`);
    }
    assert.ok(workflows > 0, 'there were workflows to check');
    console.log(`      [figures] ${workflows} workflow histories, ${events} events checked`);
  });
});
