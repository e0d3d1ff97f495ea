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

  it('refuses a misspelt field, naming the cluster and the field', () => {
    const misspelt = structuredClone(valid) as unknown as { clusters: Array<Record<string, unknown>> };
    misspelt.clusters[0]!.risportRequestPerMinute = 10;
    assert.throws(
      () => parseInventory(misspelt),
      (err: Error) =>
        err instanceof InventoryError &&
        err.message ===
          'cluster "lab1": unknown field "risportRequestPerMinute" (did you mean "risportRequestsPerMinute"?)',
    );
    const inNode = structuredClone(valid) as unknown as { clusters: Array<{ nodes: Array<Record<string, unknown>> }> };
    inNode.clusters[0]!.nodes[0]!.sshport = 2222;
    assert.throws(
      () => parseInventory(inNode),
      /^InventoryError: cluster "lab1" nodes\[0\]: unknown field "sshport" \(did you mean "sshPort"\?\)$/,
    );
  });

  it('refuses a wrong type, naming the cluster and the field and saying what to write', () => {
    const wrong = structuredClone(valid) as unknown as { clusters: Array<{ nodes: Array<Record<string, unknown>> }> };
    wrong.clusters[0]!.nodes[0]!.sshPort = '22';
    assert.throws(
      () => parseInventory(wrong),
      (err: Error) =>
        err instanceof InventoryError &&
        err.message === 'cluster "lab1" nodes[0].sshPort: must be a port number (1-65535)',
    );
    const noId = structuredClone(valid) as unknown as { clusters: Array<Record<string, unknown>> };
    noId.clusters[0]!.id = 7;
    assert.throws(() => parseInventory(noId), /^InventoryError: clusters\[0\] id: must be a name of letters/);
  });

  it('lists every problem of a file, one a line', () => {
    const bad = structuredClone(valid) as unknown as { clusters: Array<Record<string, unknown>> };
    Object.assign(bad.clusters[0]!, { hostKeyPolicy: 'tofu', risportRequestsPerMinute: 60 });
    assert.throws(
      () => parseInventory(bad),
      (err: Error) =>
        err.message ===
        [
          'cluster "lab1" hostKeyPolicy: must be one of "pinned", "record-on-first-use"',
          'cluster "lab1" risportRequestsPerMinute: must be an integer from 1 to 18 (CUCM allows at most 18)',
        ].join('\n'),
    );
  });

  it('accepts a "$schema" key for editors and leaves it out of the loaded inventory', () => {
    const inv = parseInventory({ $schema: './docs/inventory.schema.json', ...valid });
    assert.deepEqual(Object.keys(inv), ['clusters']);
  });

  it('refuses an inline password and asks for a reference', () => {
    const bad = structuredClone(valid) as unknown as {
      clusters: Array<{ credentials: { osAdmin: Record<string, unknown> } }>;
    };
    bad.clusters[0]!.credentials.osAdmin = { username: 'admin', password: 'hunter2' };
    assert.throws(
      () => parseInventory(bad),
      (err: Error) =>
        err.message ===
        'cluster "lab1" credentials.osAdmin: put a secret reference in "passwordRef" (env:NAME or file:/path), not a password',
    );
  });

  it('refuses a cluster without exactly one publisher, and duplicate ids', () => {
    const noPub = structuredClone(valid);
    noPub.clusters[0]!.nodes[1]!.role = 'subscriber';
    assert.throws(() => parseInventory(noPub), /exactly one node with role "publisher"/);
    assert.throws(() => parseInventory({ clusters: [valid.clusters[0], valid.clusters[0]] }), /listed twice/);
  });

  it('accepts a cluster that lists its publisher alone, with fingerprints by hostname for the rest', () => {
    const inv = parseInventory({
      clusters: [
        {
          id: 'lab2',
          nodes: [{ id: 'cucm-pub', role: 'publisher', host: '10.0.0.1', sshHostKeySha256: 'SHA256:pub' }],
          credentials: { osAdmin: { username: 'admin', passwordRef: 'env:LAB2_OS_ADMIN' } },
          sshHostKeys: { 'cucm-sub1': 'SHA256:sub1', 'cucm-sub2.uc.example.com': 'SHA256:sub2' },
        },
      ],
    });
    const cluster = inv.clusters[0];
    assert.deepEqual(
      cluster?.nodes.map((n) => n.id),
      ['cucm-pub'],
    );
    assert.deepEqual(cluster?.sshHostKeys, { 'cucm-sub1': 'SHA256:sub1', 'cucm-sub2.uc.example.com': 'SHA256:sub2' });
    assert.equal(parseInventory(valid).clusters[0]?.sshHostKeys, undefined);
  });

  it('names the cluster and the field when sshHostKeys is wrong', () => {
    const withKeys = (sshHostKeys: unknown) => ({
      clusters: [{ ...structuredClone(valid.clusters[0]), sshHostKeys }],
    });
    const refused = (sshHostKeys: unknown, message: RegExp) =>
      assert.throws(
        () => parseInventory(withKeys(sshHostKeys)),
        (err: Error) => err instanceof InventoryError && message.test(err.message),
      );
    refused(['SHA256:x'], /^cluster "lab1" sshHostKeys: must be an object of fingerprints by hostname/);
    refused({ 'cucm-sub1': 'ab:cd' }, /^cluster "lab1" sshHostKeys\.cucm-sub1: must look like "SHA256:<base64>"/);
    refused({ 'cucm-sub1': 42 }, /^cluster "lab1" sshHostKeys\.cucm-sub1: must look like/);
    refused({ 'bad host!': 'SHA256:x' }, /^cluster "lab1" sshHostKeys: "bad host!" is not a valid hostname/);
    // A listed node's own fingerprint and its sshHostKeys entry must agree (the same one is fine).
    refused({ pub: 'SHA256:other' }, /^cluster "lab1" sshHostKeys\.pub: differs from nodes\[1\]\.sshHostKeySha256/);
    assert.equal(parseInventory(withKeys({ pub: 'SHA256:abc' })).clusters[0]?.sshHostKeys?.pub, 'SHA256:abc');
  });

  it('refuses a cluster without nodes or with a node listed twice, naming the cluster', () => {
    const none = structuredClone(valid) as unknown as { clusters: Array<{ nodes: unknown[] }> };
    none.clusters[0]!.nodes = [];
    assert.throws(
      () => parseInventory(none),
      /^InventoryError: cluster "lab1" nodes: must list at least the publisher/,
    );
    const twice = structuredClone(valid);
    twice.clusters[0]!.nodes.push({ id: 'sub1', role: 'subscriber', host: '10.0.0.3' });
    assert.throws(() => parseInventory(twice), /cluster "lab1" nodes\[2\]\.id: "sub1" is listed twice/);
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

describe('inventory: expiry watch fields', () => {
  const withFields = (fields: Record<string, unknown>) => {
    const inv = structuredClone(valid);
    Object.assign(inv.clusters[0]!, fields);
    return inv;
  };
  it('defaults: renewBeforeDays 60, daily at 06:00 UTC, gated at before-start, no window', () => {
    const c = parseInventory(valid).clusters[0]!;
    assert.equal(c.renewBeforeDays, 60);
    assert.deepEqual(c.expiryWatch, { at: '06:00', timeZone: 'UTC' });
    assert.deepEqual(c.renewal, { approvals: ['before-start'] });
    assert.equal(c.maintenanceWindow, undefined);
  });
  it('accepts a policy', () => {
    const c = parseInventory(
      withFields({
        renewBeforeDays: 30,
        expiryWatch: { at: '05:30', timeZone: 'Europe/Paris' },
        maintenanceWindow: { start: '22:00', end: '05:00', timeZone: 'Europe/Paris', days: ['sat'] },
        renewal: { approvals: [] },
      }),
    ).clusters[0]!;
    assert.equal(c.renewBeforeDays, 30);
    assert.deepEqual(c.expiryWatch, { at: '05:30', timeZone: 'Europe/Paris' });
    assert.deepEqual(c.renewal, { approvals: [] });
    assert.equal(c.maintenanceWindow?.start, '22:00');
  });
  for (const [fields, pattern] of [
    [{ renewBeforeDays: 0 }, /^cluster "lab1" renewBeforeDays: must be a whole number of days from 1 to 3650/],
    [{ renewBeforeDays: '60' }, /^cluster "lab1" renewBeforeDays: must be a whole number/],
    [{ expiryWatch: { at: '6am' } }, /^cluster "lab1" expiryWatch\.at: must be a 24-hour local time HH:MM/],
    [{ expiryWatch: { timeZone: 'Mars/Olympus' } }, /^cluster "lab1" expiryWatch\.timeZone: must be an IANA time zone/],
    [{ expiryWatch: { when: '06:00' } }, /^cluster "lab1" expiryWatch: unknown field "when"$/],
    [
      { maintenanceWindow: { start: '22:00', end: '05:00' } },
      /^cluster "lab1" maintenanceWindow\.timeZone: is missing/,
    ],
    [
      { maintenanceWindow: { start: '25:00', end: '05:00', timeZone: 'UTC' } },
      /^cluster "lab1" maintenanceWindow\.start: must be a 24-hour local time/,
    ],
    [
      { maintenanceWindow: { start: '22:00', end: '22:00', timeZone: 'UTC' } },
      /^cluster "lab1": maintenanceWindow\.start and end are both "22:00"/,
    ],
    [
      { maintenanceWindow: { start: '22:00', end: '05:00', timeZone: 'Mars/Olympus' } },
      /^cluster "lab1": maintenanceWindow\.timeZone "Mars\/Olympus" is not an IANA time zone/,
    ],
    [
      { renewal: { approvals: ['before-lunch'] } },
      /^cluster "lab1" renewal\.approvals\[0\]: must be one of "before-start"/,
    ],
  ] as const)
    it(`refuses ${JSON.stringify(fields)}, naming the cluster and the field`, () => {
      assert.throws(
        () => parseInventory(withFields(fields)),
        (err: Error) => err instanceof InventoryError && pattern.test(err.message),
      );
    });
});
