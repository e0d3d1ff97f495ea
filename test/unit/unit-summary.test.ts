/**
 * What a rotation's unit run signals to its rotation (domain/unit-summary.ts) must not grow with the steps the unit
 * takes: a rotation's history keeps every report, so a report that grows with the steps makes the history grow with
 * their square (a 16-node rotation reached 23 MB that way). These tests build a unit run's state after few and
 * after many steps, decisions, retries and certificates, and compare the summaries' sizes.
 */
import assert from 'node:assert/strict';
import type { StepState, UnitRunState } from '../../domain/types';
import { SUMMARY_TEXT_MAX, summarizeUnit, waitingCsrs } from '../../domain/unit-summary';

/** A CallManager unit run on `nodes` nodes after `rounds` step-failed retries, waiting at an accept-missing-phones gate. */
function stateAfter(rounds: number, nodes = 26): UnitRunState {
  const steps: StepState[] = [];
  for (let r = 0; r < rounds; r++)
    for (let n = 0; n < nodes; n++)
      steps.push({
        id: `s${r}-${n}`,
        kind: 'regenerate',
        description: `Regenerate CallManager on cucm-sub${n} (attempt ${r + 1})`,
        status: r === rounds - 1 ? 'completed' : 'failed',
        detail: `serial ${'AB'.repeat(16)} → ${'CD'.repeat(16)}; ${'x'.repeat(200)}`,
      });
  return {
    clusterId: 'largest',
    units: ['CallManager'],
    phase: 'awaiting-approval',
    steps,
    pendingGates: [
      {
        id: `CallManager.accept-missing-phones-${rounds}`,
        kind: 'accept-missing-phones',
        // A gate's text can be long (missing phones named): the summary cuts it.
        description: `${rounds * 40} phones are still not registered (${'SEP0011223344 '.repeat(rounds * 40)})`,
        allowed: ['approve', 'retry', 'abort'],
      },
    ],
    decisions: Array.from({ length: rounds }, (_, i) => ({
      gateId: `CallManager.step-failed-${i}`,
      kind: 'step-failed' as const,
      decision: 'retry' as const,
      by: 'alice',
      at: '2026-12-07T10:00:00.000Z',
    })),
    startedAt: '2026-12-07T10:00:00.000Z',
    certificates: Array.from({ length: nodes }, (_, n) => ({
      nodeId: `cucm-sub${n}`,
      serialBefore: 'AB'.repeat(16),
      serialAfter: 'CD'.repeat(16),
      regeneratedNow: true,
    })),
    missingPhones: {
      count: rounds * 40,
      sample: Array.from({ length: 50 }, (_, i) => `SEP${String(i).padStart(12, '0')}`),
    },
  };
}

const size = (value: unknown) => JSON.stringify(value).length;

describe('unit summary (what a unit run signals to its rotation)', () => {
  it('is the same size after 2 and after 200 rounds of steps, decisions and retries', () => {
    const few = summarizeUnit(stateAfter(2));
    const many = summarizeUnit(stateAfter(200));
    assert.equal(many.steps.begun, 200 * 26, 'the summary counts every step begun');
    assert.ok(
      size(many) <= size(few) + 16,
      `the summary grew from ${size(few)} B to ${size(many)} B with 100 times the steps: it must carry counts, not the steps`,
    );
  });

  it('cuts a long gate text and the step line to a fixed length, and stays under 3 KB', () => {
    const summary = summarizeUnit(stateAfter(500));
    const gate = summary.pendingGates[0];
    assert.ok(gate && gate.description.length <= SUMMARY_TEXT_MAX, `gate text ${gate?.description.length} chars`);
    assert.ok(size(summary) < 3_000, `summary is ${size(summary)} B`);
  });

  it('names the CSRs waiting and the chains taken while a signed-certificate gate is open; the PEMs apart', () => {
    const state: UnitRunState = {
      ...stateAfter(1, 3),
      pendingGates: [
        { id: 'tomcat.signed-certificate-1', kind: 'signed-certificate', description: 'Sign', allowed: ['abort'] },
      ],
      csrs: ['pub', 'sub1', 'sub2'].map((nodeId) => ({
        nodeId,
        unit: 'tomcat' as const,
        csrPem: `-----BEGIN CERTIFICATE REQUEST-----${nodeId}`,
      })),
      decisions: [
        {
          gateId: 'tomcat.signed-certificate-1',
          kind: 'signed-certificate',
          decision: 'approve',
          by: 'bob',
          at: '',
          comment: 'chain for sub1 submitted',
        },
      ],
    };
    const summary = summarizeUnit(state);
    assert.deepEqual(summary.csrsWaiting, ['pub', 'sub1', 'sub2']);
    assert.deepEqual(summary.chainsIn, ['sub1']);
    assert.ok(!JSON.stringify(summary).includes('BEGIN CERTIFICATE REQUEST'), 'no PEM in the summary');
    assert.equal(waitingCsrs(state).length, 3);
  });
});
