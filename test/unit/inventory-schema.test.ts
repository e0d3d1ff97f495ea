/**
 * docs/inventory.schema.json: generated from domain/inventory/schema.ts, checked here with a JSON Schema validator of its
 * own (Ajv, as an editor or a CI step would use the file), against the documented example and against what the
 * simulator's independent inventory writer produces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { INVENTORY_SCHEMA_FILE, renderInventorySchema } from '../../scripts/inventory-schema';
import type { ClusterEndpoints } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';

const root = join(__dirname, '..', '..');
const committed = readFileSync(INVENTORY_SCHEMA_FILE, 'utf8');

function validator() {
  const ajv = new Ajv({ allErrors: true });
  // Our messages for people (VS Code shows them too); not a validation keyword.
  ajv.addKeyword('errorMessage');
  return ajv.compile(JSON.parse(committed) as object);
}

function assertValid(document: unknown, what: string): void {
  const validate = validator();
  const ok = validate(document);
  assert.ok(ok, `${what} does not validate against docs/inventory.schema.json: ${JSON.stringify(validate.errors)}`);
}

const cluster = (id: string, withUccx: boolean): ClusterEndpoints => ({
  id,
  version: '14.0.1.13900-155',
  securityMode: 0,
  nodes: ['publisher', 'subscriber'].map((role, i) => ({
    name: `${id}-${role === 'publisher' ? 'pub' : 'sub1'}`,
    role: role as 'publisher' | 'subscriber',
    product: 'CUCM',
    host: `127.0.0.${i + 1}`,
    sshPort: 2222,
    httpsPort: 8443,
    username: 'admin',
    password: 'not-in-the-inventory',
    axlUsername: 'axl',
    axlPassword: 'not-in-the-inventory-either',
    sshHostKeySha256: `SHA256:key${i}`,
  })),
  ...(withUccx
    ? {
        uccxNodes: [
          {
            name: `${id}-uccx`,
            host: '127.0.0.9',
            sshPort: 2223,
            username: 'uccxadmin',
            password: 'uccx-secret',
            sshHostKeySha256: 'SHA256:uccx',
          },
        ],
      }
    : {}),
});

describe('docs/inventory.schema.json', () => {
  it('is what `npm run inventory-schema` writes from domain/inventory/schema.ts', async () => {
    assert.equal(
      committed,
      await renderInventorySchema(),
      'docs/inventory.schema.json is stale: run `npm run inventory-schema` and commit it',
    );
  });

  it('validates inventory.example.json, with a "$schema" key as an editor would add it', () => {
    const example = JSON.parse(readFileSync(join(root, 'inventory.example.json'), 'utf8')) as Record<string, unknown>;
    assertValid(example, 'inventory.example.json');
    assertValid({ $schema: './docs/inventory.schema.json', ...example }, 'inventory.example.json with "$schema"');
  });

  it('refuses a misspelt field, so an editor underlines it', () => {
    const example = JSON.parse(readFileSync(join(root, 'inventory.example.json'), 'utf8')) as {
      clusters: Array<Record<string, unknown>>;
    };
    example.clusters[0]!.risportRequestPerMinute = 15;
    const validate = validator();
    assert.equal(validate(example), false, 'a misspelt field passed the JSON Schema');
    assert.ok(
      validate.errors?.some(
        (e) =>
          e.params && (e.params as { additionalProperty?: string }).additionalProperty === 'risportRequestPerMinute',
      ),
      `the misspelt field is not the one named: ${JSON.stringify(validate.errors)}`,
    );
  });

  for (const subscribers of ['listed', 'discovered'] as const)
    it(`validates what the simulator's inventory writer produces (subscribers ${subscribers})`, () => {
      const endpoints = [cluster('lab1', true), cluster('lab2', false)];
      for (const secretRef of [
        (id: string, user: string) => `file:/run/secrets/${id}-${user}`,
        (id: string, user: string) => `env:TEST_${id.toUpperCase()}_${user === 'axl' ? 'AXL' : 'OS'}_PASSWORD`,
      ]) {
        const { inventory } = inventoryFromEndpoints(endpoints, secretRef, { subscribers });
        assertValid(inventory, `the simulator's inventory (${secretRef('lab1', 'axl')})`);
      }
    });
});
