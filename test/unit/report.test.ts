/**
 * The change report on a fixed input: one builder, three renderings that say the same thing; each step's commands
 * as it recorded them (evidence), and for steps recorded before that, "not recorded" with the inference labelled;
 * HTML escaped and self-contained; the format chosen from ?format and Accept.
 */
import assert from 'node:assert/strict';
import {
  buildReport,
  inferredCommandOf,
  negotiate,
  NOT_RECORDED,
  render,
  renderHtml,
  renderMarkdown,
  type ReportInput,
} from '../../api/report';
import type { Plan } from '../../domain/plan/types';
import type { StepState, UnitRunState } from '../../domain/types';

const FP_A = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
const FP_B = '11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF';

const plan: Plan = {
  clusterId: 'lab',
  version: '12.5.1.16900-48',
  refusals: [],
  warnings: ['TVS & CallManager <together> would strand phones'],
  units: [
    {
      unit: 'tomcat',
      steps: [
        { kind: 'regenerate', unit: 'tomcat', nodeId: 'cucm-pub', reason: 'TN 214231: publisher first' },
        { kind: 'restart-service', nodeId: 'cucm-pub', service: 'Cisco Tomcat', reason: 'serves the new certificate' },
        { kind: 'verify-certificate', unit: 'tomcat', nodeIds: ['cucm-pub'], reason: 'check it' },
      ],
    },
    {
      unit: 'CallManager',
      steps: [
        { kind: 'regenerate', unit: 'CallManager', nodeId: 'cucm-pub', reason: 'publisher first' },
        { kind: 'await-registration', reason: 'phones back' },
      ],
    },
  ],
};

const step = (s: Partial<StepState> & Pick<StepState, 'id' | 'kind' | 'description'>): StepState => ({
  status: 'completed',
  startedAt: '2026-12-01T22:00:00.000Z',
  finishedAt: '2026-12-01T22:00:30.000Z',
  ...s,
});

const tomcatState: UnitRunState = {
  clusterId: 'lab',
  units: ['tomcat'],
  phase: 'completed',
  startedAt: '2026-12-01T21:59:00.000Z',
  requestedBy: 'olivia',
  pendingGates: [],
  steps: [
    step({ id: 's1', kind: 'preflight', description: 'Discover cluster lab (version, ...)' }),
    step({ id: 's2', kind: 'gate', description: 'Gate: Start regenerating tomcat', sent: { requests: [] } }),
    step({
      id: 's3',
      kind: 'regenerate',
      unit: 'tomcat',
      nodeId: 'cucm-pub',
      description: 'Regenerate tomcat on cucm-pub',
      detail: 'serial 0A -> 0B',
      sent: {
        requests: [
          { via: 'ssh', target: 'cucm-pub', request: 'show cert own tomcat', count: 2 },
          { via: 'ssh', target: 'cucm-pub', request: 'set cert regen tomcat', count: 1 },
        ],
      },
    }),
    step({
      id: 's4',
      kind: 'restart-service',
      nodeId: 'cucm-pub',
      service: 'Cisco Tomcat',
      description: 'Restart Cisco Tomcat on cucm-pub',
      sent: {
        requests: [
          { via: 'ssh', target: 'cucm-pub', request: 'utils service restart Cisco Tomcat', count: 1 },
          { via: 'risport', target: 'cucm-pub', request: 'selectCmDeviceExt', count: 5 },
        ],
        unlistedAttempts: 1,
      },
    }),
    step({ id: 's5', kind: 'verify', unit: 'tomcat', nodeId: 'cucm-pub', description: 'Verify tomcat on cucm-pub' }),
  ],
  decisions: [
    {
      gateId: 'tomcat.before-start-1',
      kind: 'before-start',
      decision: 'approve',
      by: 'alice',
      comment: 'CHG0042 <script>alert("x")</script> | ok',
      at: '2026-12-01T21:59:30.000Z',
    },
  ],
  certificates: [
    {
      nodeId: 'cucm-pub',
      serialBefore: '0A',
      serialAfter: '0B',
      regeneratedNow: true,
      sha256Before: FP_A,
      sha256After: FP_B,
    },
  ],
};

const cmState: UnitRunState = {
  ...tomcatState,
  units: ['CallManager'],
  phase: 'aborted',
  steps: [
    step({
      id: 'c1',
      kind: 'regenerate',
      unit: 'CallManager',
      nodeId: 'cucm-pub',
      description: 'Regenerate CallManager on cucm-pub',
    }),
    step({
      id: 'c2',
      kind: 'await-registration',
      status: 'failed',
      description: 'Wait until 3 phones are registered again',
    }),
  ],
  decisions: [
    {
      gateId: 'CallManager.accept-missing-phones-1',
      kind: 'accept-missing-phones',
      decision: 'abort',
      by: 'bob',
      at: '2026-12-01T22:10:00.000Z',
    },
  ],
  certificates: [{ nodeId: 'cucm-pub', serialBefore: '1C', serialAfter: '1D', regeneratedNow: false }],
  missingPhones: { count: 1, sample: ['SEP000000000003'] },
  registration: {
    before: {
      at: '2026-12-01T22:01:00.000Z',
      total: 3,
      registered: 3,
      byNode: [
        { node: 'cucm-pub', registered: 2 },
        { node: 'cucm-sub1', registered: 1 },
      ],
    },
    after: {
      at: '2026-12-01T22:09:00.000Z',
      total: 3,
      registered: 2,
      byNode: [
        { node: 'cucm-pub', registered: 2 },
        { node: 'cucm-sub1', registered: 0, missing: ['SEP000000000003'] },
      ],
    },
  },
  manualActions: ['Find out why SEP000000000003 does not register (ITL).'],
};

const input: ReportInput = {
  id: 'regen-lab-20261201T2159-abcdef',
  type: 'rotateCluster',
  clusterId: 'lab',
  status: 'aborted',
  requestedBy: 'olivia',
  startedAt: '2026-12-01T21:59:00.000Z',
  closedAt: '2026-12-01T22:10:05.000Z',
  generatedAt: '2026-12-01T23:00:00.000Z',
  temporalUiUrl: 'http://127.0.0.1:8233/',
  namespace: 'default',
  plan,
  units: [
    { unit: 'tomcat', workflowId: 'regen-lab-20261201T2159-abcdef-tomcat', phase: 'completed', state: tomcatState },
    { unit: 'CallManager', workflowId: 'regen-lab-20261201T2159-abcdef-CallManager', phase: 'aborted', state: cmState },
  ],
  notStarted: ['TVS'],
  rotationSteps: [
    step({
      id: 'rotation-step-1',
      kind: 'discover',
      description: 'Discover cluster lab to plan the rotation',
      startedAt: '2026-12-01T21:59:10.000Z',
      finishedAt: '2026-12-01T21:59:20.000Z',
      sent: { requests: [{ via: 'ssh', target: 'cucm-pub', request: 'show network cluster', count: 1 }] },
    }),
  ],
  manualActions: ['Find out why SEP000000000003 does not register (ITL).', 'Regenerate TVS: not started.'],
};

describe('change report', () => {
  const report = buildReport(input);

  it('builds every unit of a rotation: steps with commands, certificates, decisions, phones per node', () => {
    assert.equal(report.title, 'Certificate change report: tomcat, CallManager on lab');
    assert.equal(
      report.run.temporalUrl,
      'http://127.0.0.1:8233/namespaces/default/workflows/regen-lab-20261201T2159-abcdef',
    );
    assert.deepEqual(
      report.units.map((u) => [u.unit, u.status]),
      [
        ['tomcat', 'completed'],
        ['CallManager', 'aborted'],
      ],
    );
    assert.deepEqual(report.notStarted, ['TVS']);
    const regen = report.steps.find((s) => s.id === 's3');
    assert.deepEqual(
      regen?.sent.requests.map((q) => q.line),
      ['show cert own tomcat × 2', 'set cert regen tomcat'],
      "the recorded commands, repeats counted, the step's own node not repeated",
    );
    assert.equal(regen?.sent.recorded, true);
    assert.equal(regen?.durationSeconds, 30);
    const restart = report.steps.find((s) => s.id === 's4');
    assert.deepEqual(
      restart?.sent.requests.map((q) => q.line),
      ['utils service restart Cisco Tomcat', 'RisPort70 selectCmDeviceExt × 5'],
    );
    assert.equal(restart?.sent.unlistedAttempts, 1);
    assert.deepEqual(report.steps.find((s) => s.id === 's2')?.sent, { recorded: true, requests: [] });
    // A step recorded before runs kept what they sent: nothing listed as evidence, the inference labelled.
    const old = report.steps.find((s) => s.id === 'c1');
    assert.deepEqual(old?.sent, { recorded: false, requests: [], inferred: 'set cert regen CallManager' });
    assert.ok(
      report.notes.some((n) => n.includes(NOT_RECORDED)),
      'a note explains the steps not recorded',
    );
    assert.ok(
      report.notes.some((n) => /retried/.test(n)),
      'a note explains the retried attempts',
    );
    // The rotation's own discovery comes first, with what it sent.
    assert.deepEqual(
      [report.steps[0]?.unit, report.steps[0]?.sent.requests.map((q) => q.line)],
      ['rotation', ['show network cluster (cucm-pub)']],
    );
    assert.deepEqual(
      report.certificates.map((c) => [c.unit, c.nodeId, c.serialBefore, c.serialAfter, c.sha256After]),
      [
        ['tomcat', 'cucm-pub', '0A', '0B', FP_B],
        ['CallManager', 'cucm-pub', '1C', '1D', undefined],
      ],
    );
    assert.deepEqual(
      report.decisions.map((d) => [d.unit, d.by, d.decision]),
      [
        ['tomcat', 'alice', 'approve'],
        ['CallManager', 'bob', 'abort'],
      ],
    );
    assert.deepEqual(report.phones[0]?.byNode, [
      { node: 'cucm-pub', registeredBefore: 2, registeredAfter: 2, missing: [] },
      { node: 'cucm-sub1', registeredBefore: 1, registeredAfter: 0, missing: ['SEP000000000003'] },
    ]);
    assert.equal(report.manualActions.length, 2);
    assert.ok(report.notes.some((n) => /fingerprints are missing/.test(n)));
  });

  it("infers an old step's command by version only: the certificate REST API from 14, the CLI before", () => {
    const csr = { id: 'x', kind: 'csr', unit: 'tomcat', description: 'Generate a CSR', status: 'completed' } as const;
    assert.match(inferredCommandOf(csr, '14.0.1.13900-155') ?? '', /REST API/);
    assert.equal(inferredCommandOf(csr, '12.5.1.16900-48'), 'set csr gen tomcat; show csr own tomcat');
    assert.equal(inferredCommandOf({ ...csr, kind: 'update-ctl' }), 'utils ctl update CTLFile');
    assert.equal(inferredCommandOf({ ...csr, kind: 'gate' }), undefined);
  });

  it('says the same in JSON, Markdown and HTML', () => {
    const json = JSON.parse(render(report, 'json')) as typeof report;
    assert.deepEqual(json, report);
    const md = renderMarkdown(report);
    const html = renderHtml(report);
    for (const out of [md, html]) {
      for (const needle of [
        '0A',
        '0B',
        '1C',
        '1D',
        FP_A,
        FP_B,
        'alice',
        'bob',
        'cucm-sub1',
        'SEP000000000003',
        'set cert regen tomcat',
        'RisPort70 selectCmDeviceExt × 5',
        'not recorded (run predates evidence)',
        'Cisco Tomcat',
        report.run.temporalUrl,
        'TN 214231: publisher first',
        'Regenerate TVS: not started.',
      ])
        assert.ok(out.includes(needle), `${needle} missing from ${out === md ? 'Markdown' : 'HTML'}`);
    }
    for (const heading of [
      'Plan',
      'Steps',
      'Certificates before and after',
      'Decisions',
      'Phone registration',
      'Manual actions',
    ]) {
      assert.ok(md.includes(`\n## ${heading}\n`), `Markdown heading ${heading}`);
      assert.ok(html.includes(`<h2>${heading}</h2>`), `HTML heading ${heading}`);
    }
  });

  it('escapes everything in HTML and is self-contained, with print rules', () => {
    const html = renderHtml(report);
    assert.ok(!html.includes('<script'), 'no script element');
    assert.ok(html.includes('CHG0042 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | ok'));
    assert.ok(html.includes('TVS &amp; CallManager &lt;together&gt;'));
    assert.doesNotMatch(html, /<link\b|\ssrc=|@import|url\(/i, 'no external asset');
    assert.match(html, /@media print/);
    const hostile = buildReport({ ...input, temporalUiUrl: 'javascript:alert(1)//' });
    assert.ok(!renderHtml(hostile).includes('href="javascript:'), 'only http(s) links');
  });

  it('keeps Markdown tables intact around pipes and line breaks', () => {
    const md = renderMarkdown(report);
    const row = md.split('\n').find((l) => l.includes('alice'));
    assert.ok(row?.includes('CHG0042 \\<script\\>alert("x")\\</script\\> \\| ok'), row);
    // Every row of the decisions table has its 8 cells.
    assert.equal(row?.split(/(?<!\\)\|/).length, 10);
  });

  it('chooses the format from ?format, then Accept, else Markdown', () => {
    assert.equal(negotiate('html', 'application/json'), 'html');
    assert.equal(negotiate('pdf', undefined), undefined);
    assert.equal(negotiate(undefined, undefined), 'md');
    assert.equal(negotiate(undefined, '*/*'), 'md');
    assert.equal(negotiate(undefined, 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), 'html');
    assert.equal(negotiate(undefined, 'application/json'), 'json');
    assert.equal(negotiate(undefined, 'text/markdown;q=0.5, application/json'), 'json');
    assert.equal(negotiate(undefined, 'image/png'), undefined);
  });
});
