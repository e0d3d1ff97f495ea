/**
 * Issue 12 part 7: the trust recovery over REST, every layer real (Fastify, Temporal dev server, worker, SSH, AXL,
 * RisPort70, the simulator). Phones are stranded first by a hazard, as test/integration/simulator-hazards.test.ts
 * makes it (certificates regenerated and services restarted over SSH, the phones reset as the Enterprise Parameters
 * "Reset" does); then a recovery is started with POST /v1/clusters/{id}/trust-recovery, its gates are approved, and
 * the simulator's event log (control API) says what ran where and that the phones came back.
 */
import assert from 'node:assert/strict';
import { runOn } from '../support/cli';
import type { SimEvent } from '../support/control';
import { waitFor } from '../support/net';
import { getJson, postJson, startSystem, type System } from '../support/system';

const PHONES = 40;
const cluster = (id: string, version: string, securityMode: 0 | 1) => ({
  id,
  version,
  securityMode,
  nodes: [
    { name: 'pub', role: 'publisher' as const },
    { name: 'sub1', role: 'subscriber' as const },
  ],
  phones: {
    count: PHONES,
    registerDelayMs: [500, 1500] as [number, number],
    secureShare: 0.5,
    logStatusChanges: true,
  },
});

describe('trust recovery over REST (TN 214231 ITLRecovery, FN70613)', function () {
  this.timeout(240_000);
  let system: System;

  before(async () => {
    system = await startSystem('trust-recovery', [
      cluster('itl115', '11.5.1.21900-40', 0),
      cluster('ctl14', '14.0.1.13900-155', 1),
      cluster('bad', '14.0.1.13900-155', 0),
    ]);
  });
  after(() => system?.stop());

  const url = (path: string) => `${system.baseUrl}${path}`;
  const doc = async (id: string) => (await getJson(url(`/v1/regenerations/${id}`))).json;

  /** Approves every gate the run opens until it ends; returns the document at the end and the gates decided. */
  async function driveToEnd(id: string): Promise<{ done: Record<string, unknown>; gates: string[] }> {
    const gates: string[] = [];
    for (;;) {
      const d = await waitFor(
        'a gate or the end',
        async () => {
          const now = await doc(id);
          const pending = now.pendingGates as Array<{ id: string }>;
          return now.status === 'awaiting-approval' && pending.length > 0
            ? now
            : ['completed', 'failed', 'aborted', 'cancelled'].includes(String(now.status))
              ? now
              : undefined;
        },
        120_000,
        200,
      );
      if (d.status !== 'awaiting-approval') return { done: d, gates };
      const gate = (d.pendingGates as Array<{ id: string; kind: string }>)[0] as { id: string; kind: string };
      gates.push(gate.kind);
      const decided = await postJson(url(`/v1/regenerations/${id}/gates/${encodeURIComponent(gate.id)}`), {
        decision: 'approve',
        comment: 'CHG0099',
      });
      assert.equal(decided.status, 200, JSON.stringify(decided.json));
    }
  }

  const seqOf = (events: SimEvent[], match: (e: SimEvent) => boolean) => events.filter(match).map((e) => e.seq);

  /** The run as the simulator logged it, for the reader: the writes in order, consecutive phone resets folded. */
  function printWrites(label: string, events: SimEvent[]): void {
    const lines: string[] = [];
    let resets = 0;
    let back = 0;
    const flush = () => {
      if (resets || back) lines.push(`phone-reset x${resets}, phone-status Registered x${back} (interleaved)`);
      resets = 0;
      back = 0;
    };
    for (const e of events) {
      if (e.kind === 'phone-reset' || (e.kind === 'phone-status' && e.detail.status === 'Registered')) {
        if (e.kind === 'phone-reset') resets += 1;
        else back += 1;
        continue;
      }
      const tftpUp = e.kind === 'service-state' && e.detail.state === 'STARTED';
      if (!['itl-reset', 'ctl-reset', 'ctl-updated'].includes(e.kind) && !tftpUp) continue;
      flush();
      lines.push(
        `#${e.seq} ${e.node} ${e.kind} ${Object.entries(e.detail)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    }
    flush();
    console.log(`      ${label} (simulator event log):\n${lines.map((l) => `        ${l}`).join('\n')}`);
  }

  it('non-secure 11.5: utils itl reset localkey on the publisher brings the stranded phones back', async () => {
    const sim = system.lab.sim;
    // The hazard: CallManager and TVS regenerated together while the ITL is signed by CallManager (TN 214231).
    await runOn(
      sim,
      'itl115',
      'pub',
      ...['CallManager', 'TVS'].map((u) => ({ command: `set cert regen ${u}`, confirm: true })),
    );
    for (const node of ['pub', 'sub1'])
      await runOn(
        sim,
        'itl115',
        node,
        ...['Cisco CallManager', 'Cisco Trust Verification Service', 'Cisco Tftp'].map(
          (s) => `utils service restart ${s}`,
        ),
      );
    await system.lab.control.resetPhonesAndSettle('itl115');
    const stranded = (await system.lab.control.phones('itl115')).notRegistered;
    assert.ok(stranded.length > 0, 'the hazard stranded phones');
    assert.match(stranded[0]?.reason ?? '', /ITL file signature not trusted/);

    // Dry run: the plan, nothing changed.
    const since = await system.lab.control.lastSeq('itl115');
    const dry = await postJson(url('/v1/clusters/itl115/trust-recovery'), { dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.json));
    const plan = dry.json.plan as { mode: string; steps: Array<{ kind: string; command?: string; nodeId?: string }> };
    assert.equal(plan.mode, 'non-secure');
    assert.deepEqual(plan.steps[0], {
      ...plan.steps[0],
      kind: 'reset-trust-file',
      command: 'utils itl reset localkey',
      nodeId: 'pub',
    });
    assert.equal(
      (await system.lab.control.events('itl115', { since })).filter((e) => e.kind === 'itl-reset').length,
      0,
      'a dry run resets nothing',
    );

    const started = await postJson(url('/v1/clusters/itl115/trust-recovery'), {
      reason: 'CHG0099: phones on pub locked out after CallManager+TVS',
      registrationPollSeconds: 1,
      registrationDeadlineMinutes: 3,
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = String(started.json.id);
    assert.equal(started.headers.get('location'), `/v1/regenerations/${id}`);
    const { done, gates } = await driveToEnd(id);
    assert.equal(done.status, 'completed', String(done.error));
    assert.equal(done.type, 'recoverTrust');
    assert.deepEqual(gates, ['before-start', 'before-phone-reset', 'before-phone-reset']);

    const events = await system.lab.control.events('itl115', { since });
    printWrites('11.5 non-secure recovery', events);
    const resets = events.filter((e) => e.kind === 'itl-reset');
    assert.equal(resets.length, 1);
    assert.equal(resets[0]?.node, 'pub', 'utils itl reset localkey ran on the publisher');
    const phoneResets = seqOf(events, (e) => e.kind === 'phone-reset');
    const tftpRestarts = seqOf(
      events,
      (e) => e.kind === 'service-state' && e.detail.service === 'Cisco Tftp' && e.detail.state === 'STARTED',
    );
    assert.equal(phoneResets.length, 2 * PHONES, 'every phone reset twice');
    assert.equal(tftpRestarts.length, 2, 'Cisco Tftp restarted on both TFTP nodes');
    assert.ok((resets[0]?.seq ?? 0) < (phoneResets[0] ?? 0), 'the ITL reset before the first phone reset');
    assert.ok(
      (phoneResets[PHONES - 1] ?? 0) < (tftpRestarts[0] ?? 0) && Math.max(...tftpRestarts) < (phoneResets[PHONES] ?? 0),
      'round 1, then TFTP restarted, then round 2',
    );
    const phones = await system.lab.control.phones('itl115');
    assert.equal(phones.counts.Registered, PHONES, 'every phone is registered again');
    const node = await system.lab.control.node('itl115', 'pub');
    assert.equal(node.itl?.signer.unit, 'CallManager', 'the normal ITL (signed by CallManager before 12.0) again');
    const result = done.result as { commands: Array<{ nodeId: string; command: string }> };
    assert.deepEqual(result.commands[0], { nodeId: 'pub', command: 'utils itl reset localkey' });
    // The change report lists the reset with its command, like any run's steps.
    const report = await fetch(url(`/v1/regenerations/${id}/report?format=md`));
    assert.equal(report.status, 200);
    assert.match(await report.text(), /utils itl reset localkey/);
    const trail = (await getJson(url(`/v1/regenerations/${id}/events`))).json.events as Array<{
      type: string;
      by?: string;
    }>;
    assert.equal(trail.filter((e) => e.type === 'decision').length, 3, 'the three approvals in the audit trail');
  });

  it('mixed mode 14: utils ctl reset localkey, then utils ctl update CTLFile, brings back phones locked out by a new ITLRecovery', async () => {
    const sim = system.lab.sim;
    // The hazard (FN70613's case): ITLRecovery changed and the CTL re-signed by it, TVS not restarted.
    await runOn(
      sim,
      'ctl14',
      'pub',
      { command: 'set cert regen ITLRecovery', confirm: true },
      { command: 'utils ctl update CTLFile', confirm: true },
    );
    for (const node of ['pub', 'sub1']) await runOn(sim, 'ctl14', node, 'utils service restart Cisco Tftp');
    await system.lab.control.resetPhonesAndSettle('ctl14');
    const stranded = (await system.lab.control.phones('ctl14')).notRegistered;
    assert.ok(stranded.length > 0, 'the hazard stranded phones');
    assert.match(stranded[0]?.reason ?? '', /CTL file signature not trusted/);

    const since = await system.lab.control.lastSeq('ctl14');
    const started = await postJson(url('/v1/clusters/ctl14/trust-recovery'), {
      approvals: ['before-start'],
      registrationPollSeconds: 1,
      registrationDeadlineMinutes: 3,
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = String(started.json.id);
    const { done, gates } = await driveToEnd(id);
    assert.equal(done.status, 'completed', String(done.error));
    assert.deepEqual(gates, ['before-start'], 'only the gate asked for');
    const plan = done.recoveryPlan as { mode: string };
    assert.equal(plan.mode, 'mixed');

    const events = await system.lab.control.events('ctl14', { since });
    printWrites('14 mixed-mode recovery', events);
    const ctlReset = events.filter((e) => e.kind === 'ctl-reset');
    const ctlUpdate = events.filter((e) => e.kind === 'ctl-updated');
    assert.equal(ctlReset.length, 1);
    assert.equal(ctlReset[0]?.node, 'pub');
    assert.equal(ctlUpdate.length, 1);
    assert.equal(ctlUpdate[0]?.node, 'pub');
    const phoneResets = seqOf(events, (e) => e.kind === 'phone-reset');
    assert.ok(
      (ctlReset[0]?.seq ?? 0) < (phoneResets[0] ?? 0) &&
        (phoneResets[PHONES - 1] ?? 0) < (ctlUpdate[0]?.seq ?? 0) &&
        (ctlUpdate[0]?.seq ?? 0) < (phoneResets[PHONES] ?? 0),
      'CTL reset, round 1, CTL update, round 2',
    );
    const cmRestarts = events.filter(
      (e) => e.kind === 'service-state' && e.detail.service === 'Cisco CallManager' && e.detail.state === 'STARTED',
    );
    assert.deepEqual(
      cmRestarts.map((e) => e.node),
      ['pub', 'sub1', 'pub', 'sub1'],
      'Cisco CallManager restarted on every node after each CTL change, as CUCM asks',
    );
    // FN70613: after utils ctl reset localkey and after utils ctl update CTLFile, "restart the Cisco CallManager and
    // Cisco CTIManager services on all nodes" (both nodes run CTIManager here).
    const ctiRestarts = events.filter(
      (e) => e.kind === 'service-state' && e.detail.service === 'Cisco CTIManager' && e.detail.state === 'STARTED',
    );
    assert.deepEqual(
      ctiRestarts.map((e) => e.node),
      ['pub', 'sub1', 'pub', 'sub1'],
      'Cisco CTIManager restarted on every node after each CTL change, as FN70613 asks',
    );
    const [firstCti, , secondCti] = ctiRestarts.map((e) => e.seq);
    assert.ok(
      (cmRestarts[1]?.seq ?? 0) < (firstCti ?? 0) &&
        (firstCti ?? 0) < (phoneResets[0] ?? 0) &&
        (ctlUpdate[0]?.seq ?? 0) < (secondCti ?? 0) &&
        (secondCti ?? 0) < (phoneResets[PHONES] ?? 0),
      'each round: CallManager, then CTIManager, before the phones are reset',
    );
    assert.equal((await system.lab.control.phones('ctl14')).counts.Registered, PHONES);
    const node = await system.lab.control.node('ctl14', 'pub');
    assert.equal(node.ctl?.signer.unit, 'ITLRecovery', 'the CTL is signed by the new ITLRecovery again');
  });

  it('the simulator refuses the resets where CUCM does: off the publisher, and utils ctl outside mixed mode', async () => {
    const sim = system.lab.sim;
    await assert.rejects(
      runOn(sim, 'bad', 'sub1', 'utils itl reset localkey'),
      /can only be executed on the publisher/,
    );
    await assert.rejects(
      runOn(sim, 'bad', 'pub', { command: 'utils ctl reset localkey', confirm: true }),
      /not in mixed mode/,
    );
    const before = (await system.lab.control.node('bad', 'pub')).itl?.signer.unit;
    await runOn(sim, 'bad', 'pub', 'utils itl reset localkey');
    const after = await system.lab.control.node('bad', 'pub');
    assert.deepEqual(
      [before, after.itl?.signer.unit],
      ['ITLRecovery', 'CallManager'],
      '14.0: re-signed by CallManager',
    );
    await runOn(sim, 'bad', 'pub', 'utils service restart Cisco Tftp');
    assert.equal((await system.lab.control.node('bad', 'pub')).itl?.signer.unit, 'ITLRecovery', 'TFTP rebuilt it');
  });

  it('refuses bad input with a problem document and starts nothing', async () => {
    const since = await system.lab.control.lastSeq('bad');
    const post = (path: string, body: unknown) => postJson(url(path), body);
    const unknown = await post('/v1/clusters/nope/trust-recovery', {});
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.json.detail), /not in the inventory/);
    const key = await post('/v1/clusters/bad/trust-recovery', {
      reason: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
    });
    assert.equal(key.status, 400);
    assert.match(String(key.json.detail), /body\.reason contains a private key/);
    const password = await post('/v1/clusters/bad/trust-recovery', { password: 'hunter2' });
    assert.equal(password.status, 400);
    assert.doesNotMatch(JSON.stringify(password.json), /hunter2/);
    const gate = await post('/v1/clusters/bad/trust-recovery', { approvals: ['before-restarts'] });
    assert.equal(gate.status, 400);
    const deadline = await post('/v1/clusters/bad/trust-recovery', { registrationDeadlineMinutes: 0 });
    assert.equal(deadline.status, 400);
    const longDown = await post('/v1/clusters/bad/trust-recovery', { longUnregisteredHours: 0 });
    assert.equal(longDown.status, 400);
    assert.match(String(longDown.json.detail), /longUnregisteredHours/);
    const window = await post('/v1/clusters/bad/trust-recovery', {
      maintenanceWindow: { start: '22:00', end: '05:00', timeZone: 'Europe/Pariss' },
    });
    assert.equal(window.status, 400);
    assert.match(String(window.json.detail), /IANA time zone/);
    for (const answer of [unknown, key, password, gate, deadline, longDown, window])
      assert.match(String(answer.headers.get('content-type')), /application\/problem\+json/);
    assert.deepEqual(await system.lab.control.events('bad', { since }), [], 'nothing reached the cluster');
    // The route is in the OpenAPI document (/docs), with its problems.
    const openapi = (await getJson(url('/docs/json'))).json as {
      paths: Record<string, { post?: { responses?: object } }>;
    };
    const route = openapi.paths['/v1/clusters/{clusterId}/trust-recovery']?.post;
    assert.ok(route, 'documented in the OpenAPI');
    assert.deepEqual(
      Object.keys(route.responses ?? {}).filter((c) => ['200', '202', '400', '404', '409'].includes(c)),
      ['200', '202', '400', '404', '409'],
    );
    const runs = (await getJson(url('/v1/regenerations?clusterId=bad'))).json.items as unknown[];
    assert.equal(runs.length, 0, 'no run was started');
  });
});
