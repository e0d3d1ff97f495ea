import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runApprovalPolicy } from '../../domain/inventory/approval-policy';
import {
  automaticProblem,
  gatesOfPlan,
  narrowPolicy,
  optionalGatesOf,
  policyRefusal,
  resolveGatePolicy,
  withApproval,
  type GatePolicy,
  type PolicyContext,
  type RunApprovalPolicy,
} from '../../domain/policy';
import { InventoryError, parseInventory } from '../../inventory/load';

const window = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris' };

const cluster = (extra: Record<string, unknown> = {}) => ({
  id: 'lab1',
  nodes: [{ id: 'pub', role: 'publisher', host: '10.0.0.1', sshHostKeySha256: 'SHA256:abc' }],
  credentials: { osAdmin: { username: 'admin', passwordRef: 'env:LAB1_OS_ADMIN' } },
  ...extra,
});

const mixed = (unit: PolicyContext['unit']): PolicyContext => ({
  run: 'regeneration',
  unit,
  securityMode: 'mixed',
  version: '14.0.1.13900-155',
});
const nonSecure = (unit: PolicyContext['unit']): PolicyContext => ({ ...mixed(unit), securityMode: 'non-secure' });

/** The policy a run of `units` carries from an inventory. */
function policyOf(inventory: unknown, units: Parameters<typeof runApprovalPolicy>[3]): RunApprovalPolicy {
  const inv = parseInventory(inventory);
  return runApprovalPolicy(inv, inv.clusters[0]!, 'regeneration', units);
}

describe('approval policy: resolution', () => {
  it('built in: two approvers for CallManager, TVS, ITLRecovery in mixed mode (before-start required), one elsewhere', () => {
    const policy = policyOf({ clusters: [cluster()] }, ['CallManager', 'TVS', 'ITLRecovery', 'tomcat']);
    for (const unit of ['CallManager', 'TVS', 'ITLRecovery'] as const) {
      const start = resolveGatePolicy(policy, 'before-start', mixed(unit));
      assert.equal(start.approvers, 'two', `${unit} in mixed mode needs two approvers before it starts`);
      assert.equal(start.required, true, `${unit} in mixed mode is asked before it starts whatever the request says`);
      assert.equal(resolveGatePolicy(policy, 'step-failed', mixed(unit)).approvers, 'two');
      assert.equal(resolveGatePolicy(policy, 'before-start', nonSecure(unit)).approvers, 'one', `${unit} non-secure`);
    }
    const tomcat = resolveGatePolicy(policy, 'before-start', mixed('tomcat'));
    assert.deepEqual(tomcat, { approvers: 'one', rule: 'built-in: one approver' });
  });

  it('built in: two approvers for a trust recovery', () => {
    const inv = parseInventory({ clusters: [cluster()] });
    const policy = runApprovalPolicy(inv, inv.clusters[0]!, 'trust-recovery', []);
    const p = resolveGatePolicy(policy, 'before-start', { run: 'trust-recovery', securityMode: 'non-secure' });
    assert.equal(p.approvers, 'two');
    assert.equal(p.required, true);
  });

  it("a cluster's rules come before the inventory's, which come before the built-in ones; first match wins", () => {
    const policy = policyOf(
      {
        approvalPolicy: { rules: [{ units: ['tomcat'], approvers: 'two', approverGroups: ['cab'] }] },
        clusters: [
          cluster({
            maintenanceWindow: window,
            approvalPolicy: {
              rules: [{ units: ['tomcat'], gates: ['before-uccx-trust'], approvers: 'automatic' }],
            },
          }),
        ],
      },
      ['tomcat'],
    );
    assert.equal(resolveGatePolicy(policy, 'before-uccx-trust', nonSecure('tomcat')).approvers, 'automatic');
    assert.equal(
      resolveGatePolicy(policy, 'before-uccx-trust', nonSecure('tomcat')).rule,
      'clusters[lab1].approvalPolicy.rules[0]',
    );
    const start = resolveGatePolicy(policy, 'before-start', nonSecure('tomcat'));
    assert.deepEqual(start, { approvers: 'two', approverGroups: ['cab'], rule: 'approvalPolicy.rules[0]' });
    assert.deepEqual(policy.window, window, 'the cluster window goes with the policy (automatic gates wait for it)');
  });

  it('matches the security mode and the version range; unknown facts match (the stricter rule applies)', () => {
    const policy: RunApprovalPolicy = {
      rules: [
        { source: 'r0', units: ['CAPF'], cucmVersion: { atLeast: '14' }, approvers: 'two' },
        { source: 'r1', securityMode: 'mixed', approvers: 'two', verified: true },
        { source: 'r2', approvers: 'one' },
      ],
    };
    assert.equal(resolveGatePolicy(policy, 'before-start', { ...nonSecure('CAPF'), version: '12.5.1' }).rule, 'r2');
    assert.equal(resolveGatePolicy(policy, 'before-start', { ...nonSecure('CAPF'), version: '14.0.1' }).rule, 'r0');
    assert.equal(resolveGatePolicy(policy, 'before-start', mixed('tomcat')).rule, 'r1');
    assert.equal(resolveGatePolicy(policy, 'step-failed', { run: 'regeneration', unit: 'tomcat' }).rule, 'r1');
  });

  it('without a policy (a start from the Temporal UI): one approver', () => {
    assert.deepEqual(resolveGatePolicy(undefined, 'before-start', mixed('CallManager')), {
      approvers: 'one',
      rule: 'no policy: one approver',
    });
  });

  it('the optional gates: the request asks, the policy may require more', () => {
    const policy = policyOf({ clusters: [cluster()] }, ['CallManager']);
    assert.deepEqual(
      optionalGatesOf(policy, [], mixed('CallManager')).map((g) => [g.kind, g.why]),
      [
        [
          'before-start',
          `required by built-in: two approvers for CallManager, CallManager-ECDSA, TVS, ITLRecovery in mixed mode`,
        ],
      ],
    );
    assert.deepEqual(optionalGatesOf(policy, [], nonSecure('CallManager')), [], 'non-secure: the request decides');
    assert.deepEqual(
      optionalGatesOf(policy, undefined, nonSecure('CallManager')).map((g) => g.kind),
      ['before-start'],
      'the default request asks before-start',
    );
  });

  it('narrows a policy to the units due (the expiry watch)', () => {
    const policy = policyOf({ clusters: [cluster()] }, ['CallManager', 'tomcat']);
    assert.ok(narrowPolicy(policy, ['tomcat']).rules.every((r) => !r.units || r.units.includes('tomcat')));
  });

  it('the dry run lists the gates per unit with their policy and why', () => {
    const policy = policyOf({ clusters: [cluster()] }, ['CallManager']);
    const gates = gatesOfPlan(
      {
        units: [
          {
            unit: 'CallManager',
            steps: [
              { kind: 'regenerate', unit: 'CallManager', nodeId: 'pub', reason: '' },
              { kind: 'restart-service', nodeId: 'pub', service: 'Cisco CallManager', reason: '' },
            ],
          } as never,
        ],
      },
      policy,
      ['before-restarts'],
      { securityMode: 'mixed', version: '14.0.1' },
    );
    assert.deepEqual(
      gates.map((g) => [g.kind, g.asked, g.approvers]),
      [
        ['before-start', 'always', 'two'],
        ['before-restarts', 'always', 'two'],
        ['step-failed', 'if a step fails after its retries', 'two'],
      ],
    );
    assert.match(gates[0]!.why, /required by built-in/);
    assert.match(gates[1]!.why, /the request asks for it/);
  });
});

describe('approval policy: decisions', () => {
  const one: GatePolicy = { approvers: 'one', rule: 'r' };
  const two: GatePolicy = { approvers: 'two', approverGroups: ['approver'], verified: true, rule: 'r2' };
  const gate = (policy: GatePolicy, by: string[] = []) => ({
    id: 'CallManager.before-start-1',
    policy,
    approvals: { needs: policy.approvers === 'two' ? 2 : 1, by },
  });
  const api = (by: string) => ({ decision: 'approve' as const, by, verified: true, groups: ['approver'] });

  it('the requester never approves their own run (but may reject or abort it)', () => {
    const refusal = policyRefusal(gate(one), api('olivia'), 'olivia');
    assert.equal(refusal?.rule, 'requester-approves-own-run');
    assert.match(refusal?.message ?? '', /rule requester-approves-own-run.*"olivia" started this run/);
    assert.equal(
      policyRefusal(gate(one), { ...api('olivia'), decision: 'retry' }, 'olivia')?.rule,
      'requester-approves-own-run',
    );
    assert.equal(policyRefusal(gate(one), { ...api('olivia'), decision: 'reject' }, 'olivia'), undefined);
    assert.equal(policyRefusal(gate(one), { ...api('olivia'), decision: 'abort' }, 'olivia'), undefined);
    assert.equal(
      policyRefusal({ id: 'g' }, api('olivia'), 'olivia')?.rule,
      'requester-approves-own-run',
      'even with no gate policy',
    );
    assert.equal(policyRefusal(gate(one), api('anonymous'), 'anonymous'), undefined, 'no identities: auth disabled');
  });

  it('verified only, and only the allowed groups', () => {
    assert.equal(
      policyRefusal(gate(two), { decision: 'approve', by: 'ui-user' }, 'olivia')?.rule,
      'unverified-approver',
    );
    assert.equal(
      policyRefusal(gate(two), { ...api('bob'), groups: ['operator'] }, 'olivia')?.rule,
      'approver-group-not-allowed',
    );
    assert.equal(policyRefusal(gate(two), api('bob'), 'olivia'), undefined);
  });

  it('two approvers: the first is counted, the same one again refused, a second distinct one completes', () => {
    const first = withApproval(gate(two).approvals, api('alice'));
    assert.deepEqual(first, { approvals: { needs: 2, by: ['alice'], decision: 'approve' }, complete: false });
    const open = { ...gate(two), approvals: first.approvals };
    assert.equal(policyRefusal(open, api('alice'), 'olivia')?.rule, 'same-approver-twice');
    assert.equal(policyRefusal(open, { ...api('bob'), decision: 'skip' }, 'olivia')?.rule, 'approvals-disagree');
    assert.equal(policyRefusal(open, { ...api('bob'), decision: 'reject' }, 'olivia'), undefined, 'any may stop it');
    assert.equal(policyRefusal(open, api('bob'), 'olivia'), undefined);
    assert.equal(withApproval(open.approvals, api('bob')).complete, true);
    const unnamed = { ...gate({ approvers: 'two', rule: 'r' }), approvals: { needs: 2, by: ['unknown'] } };
    assert.equal(policyRefusal(unnamed, { decision: 'approve' }, 'olivia')?.rule, 'same-approver-twice');
  });
});

describe('approval policy: the inventory', () => {
  const refused = (inventory: unknown, pattern: RegExp) =>
    assert.throws(
      () => parseInventory(inventory),
      (err: Error) => err instanceof InventoryError && pattern.test(err.message),
      `expected an InventoryError matching ${pattern}`,
    );

  it('refuses automatic on a high-risk unit, an unlisted unit or gate, a gate that needs a person', () => {
    const with_ = (rule: Record<string, unknown>) => ({
      clusters: [cluster({ maintenanceWindow: window, approvalPolicy: { rules: [rule] } })],
    });
    refused(
      with_({ units: ['CallManager'], gates: ['before-start'], approvers: 'automatic' }),
      /cluster "lab1" approvalPolicy\.rules\[0\]: "approvers": "automatic" is refused: CallManager is high-risk/,
    );
    refused(with_({ gates: ['before-start'], approvers: 'automatic' }), /"units" must be listed/);
    refused(with_({ units: ['tomcat'], approvers: 'automatic' }), /"gates" must be listed/);
    refused(with_({ units: ['tomcat'], gates: ['step-failed'], approvers: 'automatic' }), /step-failed needs a person/);
    refused(with_({ run: 'trust-recovery', approvers: 'automatic' }), /a trust recovery always needs a person/);
    assert.ok(parseInventory(with_({ units: ['tomcat', 'ipsec'], gates: ['before-start'], approvers: 'automatic' })));
  });

  it('refuses automatic where the cluster has no maintenance window', () => {
    refused(
      {
        clusters: [
          cluster({
            approvalPolicy: { rules: [{ units: ['tomcat'], gates: ['before-start'], approvers: 'automatic' }] },
          }),
        ],
      },
      /only inside the cluster's maintenanceWindow, and this cluster has none/,
    );
    refused(
      {
        approvalPolicy: { rules: [{ units: ['tomcat'], gates: ['before-start'], approvers: 'automatic' }] },
        clusters: [cluster()],
      },
      /approvalPolicy\.rules\[0\]\.approvers: .*"lab1" has none/,
    );
  });

  it('says what to fix in a malformed rule', () => {
    refused(
      { clusters: [cluster({ approvalPolicy: { rules: [{ approvers: 'three' }] } })] },
      /"automatic", "one", "two"/,
    );
    refused(
      { clusters: [cluster({ approvalPolicy: { rules: [{ approvers: 'one', units: ['tomcats'] }] } })] },
      /units/,
    );
    refused(
      {
        clusters: [
          cluster({ approvalPolicy: { rules: [{ approvers: 'one', cucmVersion: { atLeast: '15', below: '14' } }] } }),
        ],
      },
      /"atLeast" must be below "below"/,
    );
  });

  it('automaticProblem allows the low-risk gates of tomcat, tomcat-ECDSA and ipsec', () => {
    assert.equal(
      automaticProblem({
        units: ['tomcat', 'tomcat-ECDSA'],
        gates: ['before-start', 'before-uccx-trust'],
        approvers: 'automatic',
      }),
      undefined,
    );
  });
});

describe('approval policy: the documented example', () => {
  it("docs/configuration.md's example loads, and resolves as the text says", () => {
    const text = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const section = text.slice(text.indexOf('## Approval policies'));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(json, 'the section has a JSON example');
    const inventory = parseInventory(JSON.parse(json));
    const cluster = inventory.clusters[0]!;
    const tomcat = runApprovalPolicy(inventory, cluster, 'regeneration', ['tomcat']);
    assert.equal(resolveGatePolicy(tomcat, 'before-uccx-trust', nonSecure('tomcat')).approvers, 'automatic');
    const cm = runApprovalPolicy(inventory, cluster, 'regeneration', ['CallManager']);
    assert.deepEqual(resolveGatePolicy(cm, 'before-start', mixed('CallManager')), {
      approvers: 'two',
      approverGroups: ['cab'],
      verified: true,
      required: true,
      rule: 'approvalPolicy.rules[0]',
    });
    assert.equal(resolveGatePolicy(cm, 'before-start', nonSecure('CallManager')).rule, 'approvalPolicy.rules[3]');
  });
});
