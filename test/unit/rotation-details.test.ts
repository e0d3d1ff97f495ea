/**
 * A rotation's current details (the Markdown the Temporal UI shows on the rotation's page), rendered from fixed
 * states (the unit running now as its unit run summarises itself): in the middle of a rotation and after it ended early.
 */
import assert from 'node:assert/strict';
import type { RotationState } from '../../domain/contract/rotation';
import type { UnitRunState } from '../../domain/types';
import { summarizeUnit } from '../../domain/unit-summary';
import { rotationDetails } from '../../workflows/rotation/details';

/** CallManager's unit run, waiting at its before-start gate after one of its two steps. */
const callManagerAtGate: UnitRunState = {
  clusterId: 'lab',
  units: ['CallManager'],
  phase: 'awaiting-approval',
  steps: [
    { id: 's1', kind: 'preflight', description: 'Pre-flight checks', status: 'completed' },
    { id: 's2', kind: 'gate', description: 'Before start', status: 'running' },
  ],
  pendingGates: [
    {
      id: 'CallManager.before-start-1',
      kind: 'before-start',
      description: 'Approve the start of CallManager',
      allowed: ['approve', 'reject', 'abort'],
      expiresAt: '2026-12-08T10:00:00.000Z',
    },
  ],
  decisions: [],
  startedAt: '2026-12-07T10:00:00.000Z',
  certificates: [],
};

describe('rotation current details', () => {
  it('mid-rotation: the headline in safe order, the gate to decide, then one line per unit (done, running, waiting)', () => {
    const state: RotationState = {
      clusterId: 'lab',
      phase: 'running',
      order: ['tomcat', 'CallManager', 'TVS'],
      done: ['tomcat'],
      finished: [{ unit: 'tomcat', workflowId: 'rot-tomcat', phase: 'completed' }],
      current: { unit: 'CallManager', workflowId: 'rot-CallManager', summary: summarizeUnit(callManagerAtGate) },
      ignoredDecisions: [
        { decision: 'approve', by: 'mallory', via: 'approve', reason: 'Gate "x" is not pending', at: '' },
      ],
    };
    assert.equal(
      rotationDetails(state, ['TVS', 'tomcat', 'CallManager']),
      [
        '**Rotation of tomcat → CallManager → TVS on lab**: running',
        '\n> **Waiting for a decision** at `CallManager.before-start-1` (approve / reject / abort), expires 2026-12-08T10:00:00.000Z: Approve the start of CallManager',
        '- ⚠️ ignored: approve by mallory (approve): Gate "x" is not pending',
        '',
        '- ✅ tomcat: completed (rot-tomcat)',
        '- ▶️ CallManager (rot-CallManager): awaiting-approval, 1 of 2 steps done; now: Before start',
        '- ⏳ TVS',
      ].join('\n'),
    );
  });

  it('before the plan: the units as requested; after an early end: the failed unit and what is left by hand', () => {
    const planning: RotationState = { clusterId: 'lab', phase: 'running', order: [], done: [], finished: [] };
    assert.match(rotationDetails(planning, ['TVS', 'tomcat']), /^\*\*Rotation of TVS, tomcat on lab\*\*: running/);
    const ended: RotationState = {
      clusterId: 'lab',
      phase: 'aborted',
      order: ['tomcat', 'TVS'],
      done: [],
      finished: [{ unit: 'tomcat', workflowId: 'rot-tomcat', phase: 'aborted' }],
      manualActions: ['Not started, nothing changed for them: TVS; start them in a new run when ready.'],
    };
    const details = rotationDetails(ended, ['tomcat', 'TVS']);
    assert.match(details, /- ❌ tomcat: aborted \(rot-tomcat\)/, 'the unit that ended the rotation is marked failed');
    assert.match(details, /- ⏳ TVS\n\n\*\*Still to do by hand:\*\*\n- Not started, nothing changed for them: TVS/);
  });
});
