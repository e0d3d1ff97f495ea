/**
 * A bad inventory stops the worker and the API at start, before they connect anywhere, with the cluster and the
 * field named: the same validation (inventory/load.ts) as everywhere, seen from the outside (exit code, stderr).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit } from '../support/run-to-exit';

const root = join(__dirname, '..', '..');

const run = (entry: string, inventoryPath: string) =>
  runToExit(entry, {
    CUCM_INVENTORY: inventoryPath,
    API_AUTH_DISABLED: 'true',
    API_TOKENS: '',
    // Nothing listens there: a process that got past the inventory would fail differently (or hang).
    TEMPORAL_ADDRESS: '127.0.0.1:9',
  });

describe('a bad inventory at start', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'inv-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const example = JSON.parse(readFileSync(join(root, 'inventory.example.json'), 'utf8')) as {
    clusters: Array<Record<string, unknown> & { nodes: Array<Record<string, unknown>> }>;
  };
  const misspelt = structuredClone(example);
  misspelt.clusters[0]!.risportRequestPerMinute = 10;
  const wrongType = structuredClone(example);
  wrongType.clusters[0]!.nodes[1]!.sshPort = '22';
  const cases = [
    [
      'a misspelt field',
      misspelt,
      'cluster "dc1-cucm": unknown field "risportRequestPerMinute" (did you mean "risportRequestsPerMinute"?)',
    ],
    ['a wrong type', wrongType, 'cluster "dc1-cucm" nodes[1].sshPort: must be a port number (1-65535)'],
  ] as const;

  for (const [entry, name] of [
    ['worker/main.ts', 'worker'],
    ['api/main.ts', 'api'],
  ] as const)
    for (const [what, document, expected] of cases)
      it(`stops the ${name} on ${what}, naming the cluster and the field`, async () => {
        const path = join(dir, `${name}-${what.replace(/\W/g, '-')}.json`);
        writeFileSync(path, JSON.stringify(document));
        const { code, output } = await run(entry, path);
        assert.equal(code, 1, `the ${name} did not exit 1 on ${what}; its output:\n${output}`);
        assert.ok(
          output.includes(`[${name}] ${expected}`),
          `the ${name} did not say "${expected}"; its output:\n${output}`,
        );
      });
});
