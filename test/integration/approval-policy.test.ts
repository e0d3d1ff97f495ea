/**
 * Approval policies over HTTP, every layer real (the API in-process with tokens, Temporal, the worker, the
 * simulator): a CallManager run in mixed mode under a two-approver policy refuses the requester's own approval (409
 * naming the rule), counts one approval and leaves the gate open (the document shows 1 of 2), refuses the same
 * approver twice, and opens when a second, distinct approver approves; a viewer or an operator is refused by
 * authentication (403) before any policy; a decision typed in the Temporal UI by the requester is recorded as
 * ignored, with the rule. A tomcat run whose before-start gate the policy makes automatic passes it inside the
 * cluster's maintenance window with no decision sent. The dry run shows the gates the policy will ask for and why.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { approveSignal } from '../../domain/messages';
import type { ClusterConfig } from '../../simulator/model';
import { waitFor } from '../support/net';
import { startSystem, type System } from '../support/system';

const MIXED: ClusterConfig = {
  id: 'pol-mixed',
  version: '14.0.1.13900-155',
  securityMode: 1,
  nodes: [{ name: 'polm-pub', role: 'publisher' }],
  phones: { count: 6, secureShare: 0.5, registerDelayMs: [100, 500] },
};
const ROTATION: ClusterConfig = { ...MIXED, id: 'pol-rot', nodes: [{ name: 'polr-pub', role: 'publisher' }] };
const AUTOMATIC: ClusterConfig = {
  id: 'pol-auto',
  version: '14.0.1.13900-155',
  nodes: [{ name: 'pola-pub', role: 'publisher' }],
};

/** HH:MM in UTC, `hours` from now: a window open now, whatever the time the test runs. */
const utc = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString().slice(11, 16);

const token = () => randomBytes(24).toString('hex');
/** Olivia holds both roles (as an OpenID Connect roles claim would say): one static token for each. */
const tokens = {
  oliviaOperator: token(),
  oliviaApprover: token(),
  arthur: token(),
  bea: token(),
  vera: token(),
};

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

describe('approval policies over HTTP', function () {
  this.timeout(180_000);
  let system: System;
  let app: FastifyInstance;
  let base = '';

  const call = async (path: string, as: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${as}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const doc = async (id: string) => (await call(`/v1/regenerations/${id}`, tokens.vera)).json;
  const decide = (id: string, gateId: string, as: string, decision = 'approve') =>
    call(`/v1/regenerations/${id}/gates/${encodeURIComponent(gateId)}`, as, { decision });

  before(async () => {
    system = await startSystem('approval-policy', [MIXED, ROTATION, AUTOMATIC], 0.01);
    const inventory = system.lab.inventory;
    const auto = inventory.clusters.find((c) => c.id === AUTOMATIC.id)!;
    auto.maintenanceWindow = { start: utc(-1), end: utc(3), timeZone: 'UTC' };
    auto.approvalPolicy = { rules: [{ units: ['tomcat'], gates: ['before-start'], approvers: 'automatic' }] };
    // The inventory's default: the CallManager gates in mixed mode need two approvers holding the approver role.
    inventory.approvalPolicy = {
      rules: [
        {
          units: ['CallManager'],
          securityMode: 'mixed',
          gates: ['before-start'],
          approvers: 'two',
          approverGroups: ['approver'],
          required: true,
        },
      ],
    };
    app = await buildApp(
      { temporal: system.env.client, namespace: 'default', taskQueue: system.taskQueue, inventory },
      {
        auth: {
          tokens: [
            { name: 'olivia', role: 'operator', token: tokens.oliviaOperator },
            { name: 'olivia', role: 'approver', token: tokens.oliviaApprover },
            { name: 'arthur', role: 'approver', token: tokens.arthur },
            { name: 'bea', role: 'approver', token: tokens.bea },
            { name: 'vera', role: 'viewer', token: tokens.vera },
          ],
        },
      },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await system?.stop();
  });

  it('the dry run shows the gates the policy will ask for, and why', async () => {
    const plan = await call(`/v1/clusters/${MIXED.id}/plan`, tokens.vera, { units: ['CallManager'], approvals: [] });
    assert.equal(plan.status, 200, JSON.stringify(plan.json));
    const gates = plan.json.gates as Array<Record<string, unknown>>;
    const start = gates.find((g) => g.kind === 'before-start');
    assert.ok(start, `before-start is asked although approvals is []: ${JSON.stringify(gates)}`);
    assert.equal(start.approvers, 'two');
    assert.equal(start.asked, 'always');
    assert.match(String(start.why), /required by approvalPolicy\.rules\[0\]/);
    assert.ok(
      gates.some((g) => g.kind === 'step-failed' && /if a step fails/.test(String(g.asked))),
      'the conditional gates are listed with their condition',
    );
  });

  it('CallManager in mixed mode: requester refused (409, rule), one approval of two, same approver refused, second opens', async () => {
    const started = await call(`/v1/clusters/${MIXED.id}/regenerations`, tokens.oliviaOperator, {
      units: ['CallManager'],
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    type Gate = {
      id: string;
      kind: string;
      policy?: Record<string, unknown>;
      approvals?: { needs: number; by: string[] };
    };
    const gate = await waitFor(
      'the before-start gate the policy requires',
      async () => ((await doc(id)).pendingGates as Gate[] | undefined)?.find((g) => g.kind === 'before-start'),
      90_000,
    );
    assert.equal(gate.policy?.approvers, 'two', 'the document shows the gate policy');
    assert.deepEqual(gate.approvals, { needs: 2, by: [] });

    const own = await decide(id, gate.id, tokens.oliviaApprover);
    assert.equal(own.status, 409, JSON.stringify(own.json));
    assert.equal(own.json.rule, 'requester-approves-own-run', 'the problem names the rule');
    assert.match(String(own.json.detail), /requester-approves-own-run.*"olivia" started this run/);

    for (const [who, as] of [
      ['a viewer', tokens.vera],
      ['an operator', tokens.oliviaOperator],
    ] as const) {
      const refused = await decide(id, gate.id, as);
      assert.equal(refused.status, 403, `${who} may not decide: authentication answers before any policy`);
    }

    // The Temporal UI cannot be refused: the requester's typed approval is recorded as ignored, with the rule.
    await system.env.client.workflow.getHandle(id).signal(approveSignal, { gateId: gate.id, approver: 'olivia' });
    const ignored = await waitFor('the ignored UI approval in the audit trail', async () => {
      const events = (await call(`/v1/regenerations/${id}/events`, tokens.vera)).json.events as Array<{
        type: string;
        by?: string;
        reason?: string;
      }>;
      return events.find((e) => e.type === 'ignored-decision' && e.by === 'olivia');
    });
    assert.match(String(ignored.reason), /requester-approves-own-run/);

    const first = await decide(id, gate.id, tokens.arthur);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const after1 = await doc(id);
    const still = (after1.pendingGates as Gate[]).find((g) => g.id === gate.id);
    assert.deepEqual(still?.approvals, { needs: 2, by: ['arthur'], decision: 'approve' }, 'one of two: still open');
    assert.equal(after1.status, 'awaiting-approval');
    assert.equal(
      (await system.lab.control.events(MIXED.id, { kind: 'cert-regenerated' })).length,
      0,
      'nothing changed with one approval of two',
    );

    const twice = await decide(id, gate.id, tokens.arthur);
    assert.equal(twice.status, 409);
    assert.equal(twice.json.rule, 'same-approver-twice');

    const second = await decide(id, gate.id, tokens.bea);
    assert.equal(second.status, 200, JSON.stringify(second.json));
    await waitFor(
      'the regeneration after the second approval',
      async () => (await system.lab.control.events(MIXED.id, { kind: 'cert-regenerated' })).length > 0 || undefined,
      90_000,
    );
    const d = await doc(id);
    const decisions = (d.decisions as Array<{ kind: string; by: string; approval?: unknown }>).filter(
      (x) => x.kind === 'before-start',
    );
    assert.deepEqual(
      decisions.map((x) => [x.by, x.approval]),
      [
        ['arthur', { count: 1, needs: 2 }],
        ['bea', { count: 2, needs: 2 }],
      ],
      'both approvals are in the audit trail',
    );
    await call(`/v1/regenerations/${id}/cancel`, tokens.oliviaOperator, {});
  });

  it('a rotation counts the approvals its unit run reports and refuses the same approver before forwarding', async () => {
    const started = await call(`/v1/clusters/${ROTATION.id}/regenerations`, tokens.oliviaOperator, {
      units: ['tomcat', 'CallManager'],
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    type Gate = { id: string; kind: string; approvals?: { needs: number; by: string[] } };
    const pending = async () => ((await doc(id)).pendingGates as Gate[] | undefined) ?? [];
    const gate = await waitFor(
      "CallManager's before-start gate, through the rotation",
      async () => (await pending()).find((g) => g.id.startsWith('CallManager.') && g.kind === 'before-start'),
      90_000,
    );
    assert.equal((await decide(id, gate.id, tokens.oliviaApprover)).json.rule, 'requester-approves-own-run');
    const first = await decide(id, gate.id, tokens.arthur);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const twice = await decide(id, gate.id, tokens.arthur);
    assert.equal(twice.status, 409, 'the rotation refuses the same approver at once');
    assert.equal(twice.json.rule, 'same-approver-twice');
    const counted = await waitFor('1 of 2 reported by the unit run', async () =>
      (await pending()).find((g) => g.id === gate.id && g.approvals?.by.length === 1),
    );
    assert.deepEqual(counted.approvals?.by, ['arthur']);
    const second = await decide(id, gate.id, tokens.bea);
    assert.equal(second.status, 200, JSON.stringify(second.json));
    await waitFor(
      'the CallManager regeneration after the second approval',
      async () =>
        (await system.lab.control.events(ROTATION.id, { kind: 'cert-regenerated' })).some((e) =>
          JSON.stringify(e).includes('CallManager'),
        ) || undefined,
      90_000,
    );
    await call(`/v1/regenerations/${id}/cancel`, tokens.oliviaOperator, {});
  });

  it('an automatic tomcat gate passes inside the window with no decision sent', async () => {
    const started = await call(`/v1/clusters/${AUTOMATIC.id}/regenerations`, tokens.oliviaOperator, {
      units: ['tomcat'],
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const done = await waitFor(
      'the tomcat run to end',
      async () => {
        const d = await doc(id);
        return d.status === 'completed' || d.status === 'failed' ? d : undefined;
      },
      90_000,
    );
    assert.equal(done.status, 'completed', String(done.error));
    const decisions = done.decisions as Array<{ kind: string; by: string; comment?: string }>;
    assert.deepEqual(
      decisions.map((x) => [x.kind, x.by]),
      [['before-start', 'policy']],
      'the gate was passed by the policy, no person',
    );
    assert.match(
      String(decisions[0]?.comment),
      /automatically by policy \(clusters\[pol-auto\]\.approvalPolicy\.rules\[0\]\)/,
    );
    const serial = await system.lab.control.serial(AUTOMATIC.id, 'pola-pub', 'tomcat');
    assert.equal(
      (done.certificates as Array<{ serialAfter: string }>)[0]?.serialAfter.toLowerCase(),
      serial,
      'the node serves the new tomcat certificate',
    );
  });
});
