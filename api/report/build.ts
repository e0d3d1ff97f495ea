/**
 * The change report, built by one pure function from what the API read of a run (no clock, no I/O): the JSON,
 * Markdown and HTML renderings all lay out this one object.
 */
import { describeSent, SENT_LIMITS } from '../../domain/evidence';
import type { PlanStep } from '../../domain/plan/types';
import type { StepState } from '../../domain/types';
import type {
  Report,
  ReportCertificate,
  ReportDecision,
  ReportInput,
  ReportPhoneNode,
  ReportPhones,
  ReportStep,
  ReportStepSent,
  ReportUnitInput,
} from './types';

/** The Temporal Web UI page of a workflow (its latest run). */
export function temporalUrl(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

const majorOf = (version?: string): number | undefined => {
  const m = /^(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
};

/** The report's line for a step recorded before runs kept what they sent. */
export const NOT_RECORDED = 'not recorded (run predates evidence)';

/**
 * For a step recorded before runs kept what they sent (no `sent`): the CUCM command or API operation its kind, the
 * CUCM version and its description suggest. An inference, never evidence: the report labels it so. Undefined for
 * gates and waits, which send nothing.
 */
export function inferredCommandOf(step: StepState, version?: string): string | undefined {
  const unit = step.unit ?? '<unit>';
  const rest = (majorOf(version) ?? 0) >= 14;
  switch (step.kind) {
    case 'regenerate':
      return `set cert regen ${unit}`;
    case 'update-ctl':
      return 'utils ctl update CTLFile';
    case 'reset-trust-file':
      return /\bCTL\b|utils ctl/.test(step.description) ? 'utils ctl reset localkey' : 'utils itl reset localkey';
    case 'restart-service':
      return `utils service restart ${step.service ?? '<service>'}`;
    case 'csr':
      return rest
        ? `certificate REST API: generate CSR (${unit}${/multi-server/.test(step.description) ? ', distribution multi-server' : ''})`
        : `set csr gen ${unit}; show csr own ${unit}`;
    case 'acme-order':
      return ACME_ORDER;
    case 'upload-certificate':
      // A multi-server certificate reaches the other nodes from the publisher: the run only reads it there.
      if (/^Confirm .* received the multi-server/.test(step.description)) return `show cert own ${unit}`;
      return rest
        ? `certificate REST API: upload trust, then identity (${unit})`
        : `set cert import trust ${unit}; set cert import own ${unit}`;
    case 'uccx-trust':
      return 'set cert import trust tomcat (the PEM pasted)';
    case 'verify':
      if (/tomcat-trust/.test(step.description)) return 'show cert list trust; show cert trust tomcat-trust/<file>';
      if (/ipsec-trust/.test(step.description)) return 'show cert list trust';
      if (/\bITL\b/.test(step.description)) return /\bCTL\b/.test(step.description) ? 'show itl; show ctl' : 'show itl';
      return unit === 'tomcat' ? 'show cert own tomcat; TLS handshake on HTTPS' : `show cert own ${unit}`;
    case 'reset-phones':
      return 'AXL listPhone, then doDeviceReset per phone';
    case 'await-registration':
      return 'RisPort70 selectCmDeviceExt (polled)';
    case 'preflight':
      if (/baseline/i.test(step.description)) return 'RisPort70 selectCmDeviceExt';
      if (/^Discover/.test(step.description))
        return 'show version active; show network cluster; show itl; utils service list; show cert list own; show cert own <unit>';
      return 'utils dbreplication runtimestate; Control Center soapGetServiceStatus';
    case 'discover':
      return 'show version active; show network cluster; show cert list own';
    case 'gate':
    case 'wait-window':
      return undefined;
  }
}

/** What an ACME order step sends to the CA and the DNS server: not recorded by the cluster's clients. */
const ACME_ORDER =
  'ACME (RFC 8555): newOrder, DNS-01 TXT records added and removed, finalize with the CSR, download the chain';

/** What a step sent, as the report lists it: the evidence it recorded, or, for an older step, that there is none. */
export function sentOf(step: StepState, version?: string): ReportStepSent {
  if (!step.sent) {
    const inferred = inferredCommandOf(step, version);
    return { recorded: false, requests: [], ...(inferred ? { inferred } : {}) };
  }
  return {
    recorded: true,
    requests: step.sent.requests.map((r) => ({ ...r, line: describeSent(r, step.nodeId) })),
    // The evidence covers what went to the cluster; an ACME order talks to the CA and the DNS server instead.
    ...(step.kind === 'acme-order' ? { outsideCluster: ACME_ORDER } : {}),
    ...(step.sent.omitted ? { omitted: step.sent.omitted } : {}),
    ...(step.sent.unlistedAttempts ? { unlistedAttempts: step.sent.unlistedAttempts } : {}),
  };
}

function seconds(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 100) / 10 : undefined;
}

function planTarget(step: PlanStep): string {
  switch (step.kind) {
    case 'regenerate':
      return `${step.unit} on ${step.nodeId}`;
    case 'ca-signed-renewal':
    case 'verify-certificate':
      return `${step.unit} on ${step.nodeIds.join(', ')}`;
    case 'update-ctl':
      return step.nodeId;
    case 'restart-service':
      return `${step.service} on ${step.nodeId}`;
    case 'restart-batch':
      return `${step.service} on ${step.nodeIds.join(', ')} together (batch ${step.batch} of ${step.batches})`;
    case 'verify-ipsec-trust':
      return `${step.publisherId} → ${step.subscriberIds.join(', ') || 'no subscriber'}`;
    case 'reset-phones':
      return `phones: ${step.mode}`;
    case 'uccx-trust':
      return `${step.unit} of ${step.cucmNodeIds.join(', ')} → UCCX ${step.uccxNodeId} tomcat-trust`;
    case 'confirm-phones-reset':
    case 'await-registration':
      return 'phones';
  }
}

function phonesOf(u: ReportUnitInput): ReportPhones | undefined {
  const reg = u.state?.registration;
  if (!reg?.before && !reg?.after && !u.state?.missingPhones) return undefined;
  const nodes = new Map<string, ReportPhoneNode>();
  const entry = (node: string) => {
    let e = nodes.get(node);
    if (!e) nodes.set(node, (e = { node, missing: [] }));
    return e;
  };
  for (const n of reg?.before?.byNode ?? []) entry(n.node).registeredBefore = n.registered;
  for (const n of reg?.after?.byNode ?? []) {
    const e = entry(n.node);
    e.registeredAfter = n.registered;
    e.missing = [...(n.missing ?? [])].sort();
  }
  const strip = <T extends { byNode: unknown }>(r?: T) => {
    if (!r) return undefined;
    const { byNode: _byNode, ...rest } = r;
    return rest;
  };
  return {
    unit: u.unit,
    ...(reg?.before ? { before: strip(reg.before) } : {}),
    ...(reg?.after ? { after: strip(reg.after) } : {}),
    missingCount: u.state?.missingPhones?.count ?? 0,
    ...(u.result?.phones?.acceptedMissing?.length ? { acceptedMissing: u.result.phones.acceptedMissing } : {}),
    byNode: [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node)),
  };
}

function unitStatus(u: ReportUnitInput): string {
  return u.result ? 'completed' : (u.phase ?? u.state?.phase ?? 'unknown');
}

/** A step as the report lists it: where it ran, its outcome and times, and what it sent. */
function reportStep(unit: ReportStep['unit'], s: StepState, version?: string): ReportStep {
  const took = seconds(s.startedAt, s.finishedAt);
  return {
    unit,
    id: s.id,
    kind: s.kind,
    description: s.description,
    status: s.status,
    ...(s.nodeId ? { nodeId: s.nodeId } : {}),
    ...(s.service ? { service: s.service } : {}),
    sent: sentOf(s, version),
    ...(s.startedAt ? { startedAt: s.startedAt } : {}),
    ...(s.finishedAt ? { finishedAt: s.finishedAt } : {}),
    ...(took !== undefined ? { durationSeconds: took } : {}),
    ...(s.detail ? { detail: s.detail } : {}),
  };
}

export function buildReport(input: ReportInput): Report {
  const version = input.plan?.version;
  const steps: ReportStep[] = [];
  const certificates: ReportCertificate[] = [];
  const decisions: ReportDecision[] = [];
  const ignored: Report['ignoredDecisions'] = [...(input.ignoredDecisions ?? [])];
  const phones: ReportPhones[] = [];
  for (const u of input.units) {
    for (const s of u.state?.steps ?? []) steps.push(reportStep(u.unit, s, version));
    // The state's serials as the steps finished; a closed run's result has the same nodes.
    const certs = u.state?.certificates?.length ? u.state.certificates : (u.result?.nodes ?? []);
    for (const c of certs)
      certificates.push({
        unit: u.unit,
        nodeId: c.nodeId,
        serialBefore: c.serialBefore,
        serialAfter: c.serialAfter,
        ...(c.sha256Before ? { sha256Before: c.sha256Before } : {}),
        ...(c.sha256After ? { sha256After: c.sha256After } : {}),
        regeneratedNow: c.regeneratedNow,
      });
    for (const d of u.state?.decisions ?? []) decisions.push({ unit: u.unit, ...d });
    for (const i of u.state?.ignoredDecisions ?? []) ignored.push({ unit: u.unit, ...i });
    const p = phonesOf(u);
    if (p) phones.push(p);
  }
  // A rotation's own steps where they happened: each before the first unit step that started after it.
  for (const r of input.rotationSteps ?? []) {
    const at = steps.findIndex(
      (s) => s.startedAt !== undefined && r.startedAt !== undefined && s.startedAt > r.startedAt,
    );
    steps.splice(at < 0 ? steps.length : at, 0, reportStep('rotation', r, version));
  }
  decisions.sort((a, b) => a.at.localeCompare(b.at));
  const unitActions = input.units.flatMap((u) => u.manualActions ?? u.state?.manualActions ?? []);
  const manualActions = input.manualActions?.length ? input.manualActions : [...new Set(unitActions)];
  const notes: string[] = [];
  if (certificates.some((c) => !c.sha256After))
    notes.push(
      'Some SHA-256 fingerprints are missing: the run started before fingerprints were recorded, or the node printed no PEM.',
    );
  if (decisions.some((d) => d.verified === false))
    notes.push(
      'A decision marked "Verified: no" names someone the API did not authenticate (a name typed in the Temporal UI, or a decision sent to Temporal directly); "How" gives the identity Temporal recorded for its sender, which is as trustworthy as the Temporal server\'s own authorization (docs/identity.md).',
    );
  if (steps.some((s) => !s.sent.recorded))
    notes.push(
      `Steps marked "${NOT_RECORDED}" ran before runs kept what each step sent: no command is listed for them as evidence; where one is shown it is marked "inferred" (derived from the step kind, the CUCM version and the step description).`,
    );
  if (steps.some((s) => s.sent.unlistedAttempts))
    notes.push(
      'Some steps were retried by Temporal: only the requests of the attempt that ended are listed; the earlier attempts are counted.',
    );
  if (steps.some((s) => s.sent.omitted))
    notes.push(
      `Some steps sent more distinct requests than the report keeps per step (${SENT_LIMITS.requests}): the rest are counted as omitted.`,
    );
  const units = input.units.map((u) => u.unit);
  return {
    title: `Certificate change report: ${(input.plan?.units.map((u) => u.unit) ?? units).join(', ')} on ${input.clusterId}`,
    run: {
      id: input.id,
      type: input.type,
      clusterId: input.clusterId,
      status: input.status,
      ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
      startedAt: input.startedAt,
      ...(input.closedAt ? { closedAt: input.closedAt } : {}),
      ...(version ? { version } : {}),
      units: input.plan?.units.map((u) => u.unit) ?? units,
      temporalUrl: temporalUrl(input.temporalUiUrl, input.namespace, input.id),
      namespace: input.namespace,
      ...(input.error ? { error: input.error } : {}),
    },
    generatedAt: input.generatedAt,
    ...(input.plan
      ? {
          plan: {
            version: input.plan.version,
            warnings: input.plan.warnings,
            refusals: input.plan.refusals,
            units: input.plan.units.map((u) => ({
              unit: u.unit,
              steps: u.steps.map((s) => ({ kind: s.kind, target: planTarget(s), reason: s.reason })),
            })),
          },
        }
      : {}),
    units: input.units.map((u) => {
      const st = u.state?.steps ?? [];
      return {
        unit: u.unit,
        workflowId: u.workflowId,
        status: unitStatus(u),
        temporalUrl: temporalUrl(input.temporalUiUrl, input.namespace, u.workflowId),
        steps: {
          total: st.length,
          completed: st.filter((s) => s.status === 'completed').length,
          skipped: st.filter((s) => s.status === 'skipped').length,
          failed: st.filter((s) => s.status === 'failed').length,
        },
      };
    }),
    notStarted: input.notStarted ?? [],
    steps,
    certificates,
    decisions,
    ignoredDecisions: ignored,
    phones,
    manualActions,
    notes,
  };
}
