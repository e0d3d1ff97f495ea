/**
 * What a rotation's unit run tells its rotation: only what the rotation needs to route decisions (the pending gates,
 * the CSRs waiting for a chain) and to show progress (phase, steps done, the step now). Its size does not grow with
 * the steps taken: a count instead of the steps, gate texts and the step's line cut to a fixed length, names of
 * nodes only (a cluster has a bounded number). The unit's whole state stays in the unit run (its `state` query),
 * where the API reads it. The CSRs' PEMs go once, in the report that first carries them, never again while they
 * stay the same. Pure and deterministic: the unit run builds it, and the rotation builds the same from an old
 * whole-state report when it replays one.
 */
import type { PendingGate, RunPhase, UnitRunState } from './types';
import type { CertificateUnit } from './units';

/** A gate's description is cut here in a summary (the unit run's own state has it whole). */
export const SUMMARY_TEXT_MAX = 1_000;

export interface UnitSummary {
  phase: RunPhase;
  /** The gates waiting for a decision (descriptions cut to SUMMARY_TEXT_MAX). */
  pendingGates: PendingGate[];
  /** Steps completed, steps begun so far, and the latest step's description (cut). */
  steps: { done: number; begun: number; now?: string };
  /** Nodes whose CSR waits for a CA-signed chain. */
  csrsWaiting?: string[];
  /** While a signed-certificate gate is open: the nodes whose chains the unit run has taken. */
  chainsIn?: string[];
  /** Once it ended early: what is left to do by hand (a short list the run itself bounds). */
  manualActions?: string[];
}

/** A CSR waiting for its chain, as the rotation checks a submitted chain against it. */
export interface WaitingCsr {
  nodeId: string;
  unit: CertificateUnit;
  csrPem: string;
  coversNodes?: string[];
}

/** The report a unit run signals (unitSummary): `csrs` only when they changed since the last report. */
export interface UnitSummaryReport {
  unit: string;
  workflowId: string;
  summary: UnitSummary;
  csrs?: WaitingCsr[];
}

const cut = (text: string) => (text.length > SUMMARY_TEXT_MAX ? `${text.slice(0, SUMMARY_TEXT_MAX - 1)}…` : text);

/** The nodes a signed-certificate decision took a chain for ("… for <node> submitted …", as the run records it). */
export function chainsTaken(state: Pick<UnitRunState, 'decisions'>): string[] {
  return state.decisions
    .filter((d) => d.kind === 'signed-certificate')
    .flatMap((d) => /for (\S+) submitted/.exec(d.comment ?? '')?.[1] ?? []);
}

export function summarizeUnit(state: UnitRunState): UnitSummary {
  const steps = state.steps;
  const last = steps[steps.length - 1];
  const signedGateOpen = state.pendingGates.some((g) => g.kind === 'signed-certificate');
  return {
    phase: state.phase,
    pendingGates: state.pendingGates.map((g) => ({ ...g, description: cut(g.description) })),
    steps: {
      done: steps.filter((s) => s.status === 'completed').length,
      begun: steps.length,
      ...(last ? { now: cut(last.description) } : {}),
    },
    ...(state.csrs?.length ? { csrsWaiting: state.csrs.map((c) => c.nodeId) } : {}),
    ...(signedGateOpen ? { chainsIn: chainsTaken(state) } : {}),
    ...(state.manualActions?.length ? { manualActions: state.manualActions } : {}),
  };
}

/** The CSRs as the rotation keeps them (the PEMs it checks a chain against). */
export function waitingCsrs(state: Pick<UnitRunState, 'csrs'>): WaitingCsr[] {
  return (state.csrs ?? []).map((c) => ({
    nodeId: c.nodeId,
    unit: c.unit,
    csrPem: c.csrPem,
    ...(c.coversNodes ? { coversNodes: c.coversNodes } : {}),
  }));
}
