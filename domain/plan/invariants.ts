/**
 * checkPlanInvariants: the safety rules a plan must keep, checked on the plan itself (not on how it was built), so
 * the property test can hunt for counter-examples and the workflow can refuse to execute a plan that breaks one.
 * Returns one description per violation; empty means the plan is safe to execute (if it has no refusal).
 */
import type { CucmVersion } from '../cucm-version';
import type { CertificateUnit } from '../units';
import {
  CALLMANAGER_UNITS,
  followUpRestarts,
  needsCtlUpdate,
  PHONE_AFFECTING_UNITS,
  phoneResetModeOf,
  PLAN_UNIT_ORDER,
  secureOnlyResetAllowed,
} from './rules';
import { checkRestartBatches } from './redundancy';
import {
  certificateOf,
  holdersOf,
  isStarted,
  itlSignedByCallManager,
  orderedNodes,
  regeneratorsOf,
  supportedVersion,
  tryParseVersion,
} from './topology';
import type { Plan, PlanCluster, PlanNode, PlanOptions, PlanRequest, PlanStep, PlanStepKind, UnitPlan } from './types';

/** Phases of one unit, in the order they must run (update-ctl before restarts, verification after them, ...). */
const PHASE: Record<PlanStepKind, number> = {
  regenerate: 0,
  'ca-signed-renewal': 0,
  'update-ctl': 1,
  'restart-service': 2,
  'restart-batch': 2,
  'verify-certificate': 3,
  'verify-ipsec-trust': 4,
  'uccx-trust': 4,
  'reset-phones': 5,
  'confirm-phones-reset': 5,
  'await-registration': 6,
};

interface Ctx {
  cluster: PlanCluster;
  request: PlanRequest;
  v: CucmVersion;
  nodes: PlanNode[];
  publisher: PlanNode;
  index: Map<string, number>;
  options: PlanOptions;
}

export function checkPlanInvariants(
  cluster: PlanCluster,
  request: PlanRequest,
  plan: Plan,
  options: PlanOptions = {},
): string[] {
  const out: string[] = [];
  if (plan.clusterId !== cluster.clusterId || plan.version !== cluster.version)
    out.push(`the plan is for ${plan.clusterId} ${plan.version}, not ${cluster.clusterId} ${cluster.version}`);
  const v = tryParseVersion(cluster.version);
  const nodes = orderedNodes(cluster);
  const publishers = nodes.filter((n) => n.role === 'publisher');
  const publisher = publishers[0];
  if (!v || !supportedVersion(v) || publishers.length !== 1 || !publisher) {
    if (plan.refusals.length === 0) out.push('a cluster without a supported version and one publisher is not refused');
    if (plan.units.length > 0) out.push('units are planned for a cluster that cannot be planned');
    return out;
  }
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(n.id, index.get(n.id) ?? i));
  const ctx: Ctx = { cluster, request, v, nodes, publisher, index, options };

  checkUnitOrder(plan, out);
  if (plan.refusals.length === 0) checkRefusalFree(ctx, plan, out);
  for (const unitPlan of plan.units) checkUnit(ctx, unitPlan, out);
  return out;
}

function checkUnitOrder(plan: Plan, out: string[]): void {
  const units = plan.units.map((u) => u.unit);
  if (new Set(units).size !== units.length) out.push(`a unit is planned twice: ${units.join(', ')}`);
  for (let i = 1; i < units.length; i++)
    if (
      PLAN_UNIT_ORDER.indexOf(units[i - 1] as CertificateUnit) >= PLAN_UNIT_ORDER.indexOf(units[i] as CertificateUnit)
    )
      out.push(`units are not in the safe order (${PLAN_UNIT_ORDER.join(', ')}): ${units.join(', ')}`);
  const tvs = units.indexOf('TVS');
  if (tvs >= 0 && tvs !== units.length - 1) out.push(`TVS is not the last unit: ${units.join(', ')}`);
}

function checkRefusalFree(ctx: Ctx, plan: Plan, out: string[]): void {
  const requested = Array.isArray(ctx.request.units) ? ctx.request.units : [];
  const planned = plan.units.map((u) => u.unit);
  if (requested.length === 0) out.push('an empty request is not refused');
  if (requested.length !== planned.length || requested.some((u) => !planned.includes(u)))
    out.push(
      `without a refusal the plan must cover exactly the request: asked ${requested.join(', ')}, planned ${planned.join(', ')}`,
    );
  // TN 214231: never CallManager and TVS in one step while the ITL is signed by CallManager. In one plan they are
  // separate units, and every CallManager unit must end with the phones back (on its new ITL) before TVS starts.
  if (itlSignedByCallManager(ctx.cluster, ctx.v) && planned.includes('TVS'))
    for (const u of plan.units.filter((x) => CALLMANAGER_UNITS.has(x.unit)))
      if (u.steps.at(-1)?.kind !== 'await-registration' || planned.indexOf(u.unit) > planned.indexOf('TVS'))
        out.push(
          `${u.unit} and TVS are planned while the ITL is signed by CallManager, and ${u.unit} does not end with the phones back before TVS (TN 214231)`,
        );
  if (phoneResetModeOf(ctx.request) === 'secure-only')
    for (const u of planned.filter((x) => PHONE_AFFECTING_UNITS.has(x) && !secureOnlyResetAllowed(ctx.cluster, x)))
      out.push(`${u}: a secure-only phone reset is accepted where it is not enough`);
}

function checkUnit(ctx: Ctx, { unit, steps }: UnitPlan, out: string[]): void {
  const say = (text: string) => out.push(`${unit}: ${text}`);
  for (let i = 1; i < steps.length; i++) {
    const [a, b] = [steps[i - 1] as PlanStep, steps[i] as PlanStep];
    if (PHASE[a.kind] > PHASE[b.kind]) say(`${b.kind} comes after ${a.kind}, out of the procedure's order`);
  }
  for (const step of steps) if ('unit' in step && step.unit !== unit) say(`a ${step.kind} step is for ${step.unit}`);
  checkCertificateSteps(ctx, unit, steps, say);
  checkCtl(ctx, unit, steps, say);
  checkRestarts(ctx, unit, steps, say);
  checkRestartBatches(ctx.cluster, ctx.request, ctx.publisher.id, steps, say);
  checkVerification(ctx, unit, steps, say);
  checkPhones(ctx, unit, steps, say);
}

/**
 * Regenerate only where the node holds and may regenerate the unit, self-signed only; every such node covered once;
 * publisher first. A CA renewal (one CSR round for its nodes) stands where its first node would be in node order.
 */
function checkCertificateSteps(ctx: Ctx, unit: CertificateUnit, steps: PlanStep[], say: (t: string) => void): void {
  const regenerators = regeneratorsOf(ctx.v, ctx.nodes, unit);
  const may = new Set(regenerators.map((n) => n.id));
  const byId = new Map(ctx.nodes.map((n) => [n.id, n] as const));
  const touched: string[] = [];
  /** Position of each regenerate / renewal step in node order. */
  const positions: number[] = [];
  const at = (id: string) => ctx.index.get(id) ?? -1;
  let renewals = 0;
  for (const step of steps) {
    if (step.kind === 'regenerate') {
      touched.push(step.nodeId);
      positions.push(at(step.nodeId));
      const node = byId.get(step.nodeId);
      if (!node || !may.has(step.nodeId))
        say(`regenerated on ${step.nodeId}, which does not hold it or may not regenerate it`);
      else if (certificateOf(node, unit)?.selfSigned === false)
        say(`the CA-signed certificate on ${step.nodeId} would be replaced by a self-signed one`);
    }
    if (step.kind === 'ca-signed-renewal') {
      renewals++;
      touched.push(...step.nodeIds);
      positions.push(at(step.nodeIds[0] ?? ''));
      const order = step.nodeIds.map(at);
      if (step.nodeIds.length === 0 || order.some((x, i) => i > 0 && x <= (order[i - 1] as number)))
        say(`the CA renewal lists its nodes out of order: ${step.nodeIds.join(', ')}`);
      for (const id of step.nodeIds) {
        const node = byId.get(id);
        if (!node || !may.has(id) || certificateOf(node, unit)?.selfSigned !== false)
          say(`a CA renewal on ${id}, which does not hold a CA-signed ${unit} it may renew`);
      }
    }
  }
  if (renewals > 1) say('more than one CA renewal step');
  if (new Set(touched).size !== touched.length) say(`a node is renewed twice: ${touched.join(', ')}`);
  if (positions.some((x, i) => i > 0 && x <= (positions[i - 1] as number)))
    say(`nodes are not taken publisher first, then subscribers in order: ${touched.join(', ')}`);
  if (may.has(ctx.publisher.id) && touched[0] !== ctx.publisher.id)
    say(`the publisher ${ctx.publisher.id} is not first: ${touched.join(', ')}`);
  const missed = regenerators.filter((n) => !touched.includes(n.id)).map((n) => n.id);
  if (missed.length > 0) say(`not renewed on ${missed.join(', ')}, which hold it`);
}

/** CTL update exactly when needed, on the publisher (phase order puts it after regeneration, before restarts). */
function checkCtl(ctx: Ctx, unit: CertificateUnit, steps: PlanStep[], say: (t: string) => void): void {
  const updates = steps.filter((s) => s.kind === 'update-ctl');
  const needed = needsCtlUpdate(ctx.cluster, ctx.request, unit);
  if (updates.length !== (needed ? 1 : 0))
    say(`${updates.length} CTL updates where ${needed ? 'one is' : 'none is'} needed (mixed mode or 802.1X only)`);
  for (const s of updates)
    if (s.nodeId !== ctx.publisher.id) say(`the CTL is updated on ${s.nodeId}, not the publisher`);
}

/** Restarts only where Started, each listed service publisher first then subscribers, none missing, none twice. */
function checkRestarts(ctx: Ctx, unit: CertificateUnit, steps: PlanStep[], say: (t: string) => void): void {
  const followUps = followUpRestarts(unit, ctx.v, ctx.options);
  const byId = new Map(ctx.nodes.map((n) => [n.id, n] as const));
  const seen: string[] = [];
  let last = -1;
  // A restart-batch (redundancy-groups) stands for its nodes at once; its order within the service is the batch
  // number (checkRestartBatches reads the batches themselves), a serial restart's is the node's.
  const restarts = steps.flatMap((step) =>
    step.kind === 'restart-service'
      ? [{ service: step.service, nodeIds: [step.nodeId], order: ctx.index.get(step.nodeId) ?? 0 }]
      : step.kind === 'restart-batch'
        ? [{ service: step.service, nodeIds: step.nodeIds, order: step.batch }]
        : [],
  );
  for (const step of restarts) {
    const f = followUps.findIndex((x) => x.service === step.service);
    const followUp = followUps[f];
    const key = f * (ctx.nodes.length + 1) + step.order;
    if (followUp && key <= last)
      say(`restart of ${step.service} on ${step.nodeIds.join(', ')} is out of order (per service, publisher first)`);
    if (followUp) last = key;
    for (const nodeId of step.nodeIds) {
      const node = byId.get(nodeId);
      if (!node || !followUp) {
        say(`restarts ${step.service} on ${nodeId}, which the procedure does not ask for`);
        continue;
      }
      if (!isStarted(node, step.service)) say(`restarts ${step.service} on ${nodeId}, where it is not Started`);
      if (followUp.scope === 'publisher' && node !== ctx.publisher)
        say(`restarts ${step.service} on ${nodeId}; it belongs on the publisher only`);
      if (seen.includes(`${step.service}@${nodeId}`)) say(`restarts ${step.service} on ${nodeId} twice`);
      seen.push(`${step.service}@${nodeId}`);
    }
  }
  for (const followUp of followUps)
    for (const node of followUp.scope === 'publisher' ? [ctx.publisher] : ctx.nodes)
      if (isStarted(node, followUp.service) && !seen.includes(`${followUp.service}@${node.id}`))
        say(`${followUp.service} is Started on ${node.id} but not restarted`);
}

function checkVerification(ctx: Ctx, unit: CertificateUnit, steps: PlanStep[], say: (t: string) => void): void {
  const holders = holdersOf(ctx.v, ctx.nodes, unit).map((n) => n.id);
  const verifies = steps.filter((s) => s.kind === 'verify-certificate');
  if (verifies.length !== 1 || verifies[0]?.nodeIds.join() !== holders.join())
    say(`must be verified once on every node that holds it (${holders.join(', ')})`);
  const trust = steps.filter((s) => s.kind === 'verify-ipsec-trust');
  const subscribers = ctx.nodes.filter((n) => n.role !== 'publisher').map((n) => n.id);
  const needed =
    unit === 'ipsec' &&
    subscribers.length > 0 &&
    regeneratorsOf(ctx.v, ctx.nodes, unit).some((n) => n.id === ctx.publisher.id);
  if (trust.length !== (needed ? 1 : 0))
    say(`${trust.length} ipsec-trust checks where ${needed ? 'one is' : 'none is'} needed`);
  for (const t of trust)
    if (t.publisherId !== ctx.publisher.id || t.subscriberIds.join() !== subscribers.join())
      say("the ipsec-trust check must look for the publisher's ipsec on every subscriber");
}

/** Phone-affecting units end with a reset (or confirmed reset) then await-registration; the others touch no phone. */
function checkPhones(ctx: Ctx, unit: CertificateUnit, steps: PlanStep[], say: (t: string) => void): void {
  const phoneKinds: PlanStepKind[] = ['reset-phones', 'confirm-phones-reset', 'await-registration'];
  const phoneSteps = steps.filter((s) => phoneKinds.includes(s.kind));
  if (!PHONE_AFFECTING_UNITS.has(unit)) {
    if (phoneSteps.length > 0) say('has phone steps although it does not affect phones');
    return;
  }
  const [reset, wait] = phoneSteps;
  if (
    phoneSteps.length !== 2 ||
    steps[steps.length - 1]?.kind !== 'await-registration' ||
    wait?.kind !== 'await-registration'
  )
    say('does not end with one phone reset then await-registration');
  const mode = phoneResetModeOf(ctx.request);
  if (mode === 'none' ? reset?.kind !== 'confirm-phones-reset' : reset?.kind !== 'reset-phones')
    say(`phone reset mode ${mode} is not what the plan does (${reset?.kind ?? 'nothing'})`);
  if (reset?.kind === 'reset-phones' && reset.mode === 'secure-only' && !secureOnlyResetAllowed(ctx.cluster, unit))
    say('resets only secure phones where the ITL changes for every phone');
  if (
    reset?.kind === 'reset-phones' &&
    reset.mode === 'all' &&
    mode === 'secure-only' &&
    secureOnlyResetAllowed(ctx.cluster, unit)
  )
    say('resets every phone although secure-only was asked for and is enough');
}
