import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryError, loadInventory, parseInventory } from '../../inventory/load';
import { resolveSecret } from '../../inventory/secrets';

const valid = {
  clusters: [
    {
      id: 'lab1',
      name: 'Lab',
      nodes: [
        { id: 'sub1', role: 'subscriber', host: '10.0.0.2' },
        { id: 'pub', role: 'publisher', host: '10.0.0.1', sshHostKeySha256: 'SHA256:abc' },
      ],
      credentials: { osAdmin: { username: 'admin', passwordRef: 'env:LAB1_OS_ADMIN' } },
    },
  ],
};

describe('inventory', () => {
  it('accepts a valid inventory and puts the publisher first', () => {
    const inv = parseInventory(valid);
    assert.deepEqual(
      inv.clusters[0]?.nodes.map((n) => [n.id, n.sshPort]),
      [
        ['pub', 22],
        ['sub1', 22],
      ],
    );
  });

  it('names the cluster and the field in its errors', () => {
    const bad = structuredClone(valid);
    (bad.clusters[0]!.nodes[1] as Record<string, unknown>).sshHostKeySha256 = 'ab:cd';
    assert.throws(
      () => parseInventory(bad),
      (err: Error) => err instanceof InventoryError && /cluster "lab1" nodes\[1\].*sshHostKeySha256/.test(err.message),
    );
  });

  it('refuses an inline password and asks for a reference', () => {
    const bad = structuredClone(valid) as unknown as {
      clusters: Array<{ credentials: { osAdmin: Record<string, unknown> } }>;
    };
    bad.clusters[0]!.credentials.osAdmin = { username: 'admin', password: 'hunter2' };
    assert.throws(() => parseInventory(bad), /passwordRef.*not a password/);
  });

  it('refuses a cluster without exactly one publisher, and duplicate ids', () => {
    const noPub = structuredClone(valid);
    noPub.clusters[0]!.nodes[1]!.role = 'subscriber';
    assert.throws(() => parseInventory(noPub), /exactly one node with role "publisher"/);
    assert.throws(() => parseInventory({ clusters: [valid.clusters[0], valid.clusters[0]] }), /listed twice/);
  });

  it('reports a file that is not JSON with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inv-'));
    writeFileSync(join(dir, 'inv.json'), '{ nope');
    assert.throws(() => loadInventory(join(dir, 'inv.json')), /inv\.json is not valid JSON/);
  });

  it('resolves env: and file: references, and says which one failed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sec-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    assert.equal(resolveSecret('env:X_PW', { X_PW: 'from-env' }), 'from-env');
    assert.equal(resolveSecret(`file:${join(dir, 'pw')}`), 's3cret');
    assert.throws(() => resolveSecret('env:MISSING_PW', {}), /MISSING_PW is not set/);
    assert.throws(() => resolveSecret('vault:x'), /Unsupported secret reference/);
  });
});

describe('inventory.example.json', () => {
  it('is a valid inventory, so the documented example matches the code', () => {
    const inv = loadInventory(join(__dirname, '..', '..', 'inventory.example.json'));
    assert.equal(inv.clusters[0]?.nodes[0]?.role, 'publisher');
  });
});
