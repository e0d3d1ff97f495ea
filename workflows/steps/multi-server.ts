/**
 * A CA-signed tomcat / tomcat-ECDSA renewed with one multi-server (SAN) certificate (TN 118731): one CSR on the
 * publisher whose SANs name every CUCM and IM&P node, one signed chain from the engineer (checked: same key, every
 * node in its SANs, complete chain), one upload on the publisher, which distributes the certificate to every node;
 * then each other node is read until it holds that certificate. The restarts (Cisco Tomcat on every node) and the
 * verification (served over HTTPS on every node) are the plan's next steps, as for per-node CSRs.
 */
import type { PlanStep } from '../../domain/plan';
import { chainsFromAcme } from './acme';
import { nodeRef, type CaRenewal, type UnitRunContext } from './context';
import { named, NO_SKIP, quick, slow } from './proxies';
import type { SignedChainCheck } from '../../domain/certificates';

type Renewal = Extract<PlanStep, { kind: 'ca-signed-renewal' }>;
type SignedChain = Extract<SignedChainCheck, { ok: true }>;
/** A node's certificate before the upload, read once: a retried upload compares with these, not with the new leaf. */
type Before = Map<string, { serial: string; sha256?: string }>;

export async function multiServerRenewalStep(ctx: UnitRunContext, step: Renewal, index: number): Promise<boolean> {
  const csrNode = step.csrNodeId ?? step.nodeIds[0] ?? ctx.discovery.nodes[0]?.id ?? '';
  const renewal: CaRenewal = { unit: step.unit, csrs: new Map(), chains: new Map(), coversNodes: step.nodeIds };
  ctx.ca = renewal;
  await generateMultiServerCsr(ctx, renewal, csrNode);
  const chain = await awaitSignedChain(ctx, renewal, csrNode, index);
  if (!chain) return false;
  await ctx.run.inWindow(`upload the signed multi-server ${step.unit} on ${csrNode}`);

  const before: Before = new Map();
  const uploaded = await uploadOnCsrNode(ctx, renewal, csrNode, chain, before);
  if (!uploaded) return false;
  ctx.uploadedAny = true;
  recordRenewed(ctx, csrNode, before, uploaded.serial, uploaded.sha256);
  for (const nodeId of step.nodeIds.filter((n) => n !== csrNode)) {
    const held = await confirmReceived(ctx, renewal, csrNode, nodeId, uploaded.serial);
    if (held) recordRenewed(ctx, nodeId, before, uploaded.serial, held.sha256);
  }
  return false;
}

/** One CSR on the CSR node whose SANs name every node the renewal covers, kept in the run state for the engineer. */
async function generateMultiServerCsr(ctx: UnitRunContext, renewal: CaRenewal, csrNode: string): Promise<void> {
  const { run } = ctx;
  const { unit, coversNodes: covers = [] } = renewal;
  const csr = await run.attempt(
    {
      kind: 'csr',
      unit,
      nodeId: csrNode,
      description: `Generate one multi-server (SAN) CSR for ${unit} on ${csrNode}, naming ${covers.join(', ')}`,
    },
    () =>
      named(quick.generateCsr, `Generate a multi-server ${unit} CSR on ${csrNode}`, {
        ...nodeRef(ctx, csrNode),
        unit,
        distribution: 'multi-server',
      }),
    () => ({ status: 'completed', detail: `one CSR for ${covers.length} nodes, in the run state (csrs)` }),
    NO_SKIP.upload,
  );
  if (!csr) throw new Error('unreachable: a CSR cannot be skipped');
  renewal.csrs.set(csrNode, csr.csrPem);
  run.state.csrs = [...(run.state.csrs ?? []), { nodeId: csrNode, unit, csrPem: csr.csrPem, coversNodes: covers }];
}

/**
 * The signed-certificate gate: the run waits until the engineer submits the chain their CA signed (checked by the
 * submitSignedChain handler). Undefined when they aborted instead.
 */
async function awaitSignedChain(
  ctx: UnitRunContext,
  renewal: CaRenewal,
  csrNode: string,
  index: number,
): Promise<SignedChain | undefined> {
  const { run } = ctx;
  const { unit, coversNodes: covers = [] } = renewal;
  // An ACME issuer signs without a person (./acme.ts); the "manual" issuer is the gate below, as before.
  if (await chainsFromAcme(ctx, renewal)) return renewal.chains.get(csrNode);
  await run.waitAtGate(
    {
      id: run.gateId(`signed-certificate-${index + 1}`),
      kind: 'signed-certificate',
      description: `${unit} is CA-signed, multi-server: have the one CSR of ${csrNode} (in the run state, csrs) signed by your CA keeping all its SANs (${covers.join(', ')}), then submit the chain (leaf, intermediates, root) for ${csrNode} with the submitSignedChain update or POST .../chains. Abort stops the run; nothing was changed but the CSR.`,
      allowed: ['abort'],
    },
    () => renewal.chains.has(csrNode),
  );
  return renewal.chains.get(csrNode);
}

/**
 * Every covered node's certificate is read first (into `before`), then the CA chain and the signed leaf are uploaded
 * on the CSR node, which distributes the leaf to the others.
 */
async function uploadOnCsrNode(
  ctx: UnitRunContext,
  renewal: CaRenewal,
  csrNode: string,
  chain: SignedChain,
  before: Before,
) {
  const { unit, coversNodes: covers = [] } = renewal;
  return ctx.run.attempt(
    {
      kind: 'upload-certificate',
      unit,
      nodeId: csrNode,
      description: `Upload the CA chain as ${unit}-trust, then the signed multi-server ${unit}, on ${csrNode} (it distributes it to ${covers.filter((n) => n !== csrNode).join(', ') || 'no other node'})`,
    },
    async () => {
      for (const nodeId of covers.filter((n) => !before.has(n))) {
        const read = await named(quick.readCertificate, `Read the ${unit} serial on ${nodeId}`, {
          ...nodeRef(ctx, nodeId),
          unit,
        });
        before.set(nodeId, { serial: read.serial, ...(read.sha256 ? { sha256: read.sha256 } : {}) });
      }
      return named(slow.uploadCertificateChain, `Upload the signed multi-server ${unit} chain to ${csrNode}`, {
        ...nodeRef(ctx, csrNode),
        unit,
        leafPem: chain.leafPem,
        caPems: chain.caPems,
      });
    },
    (u) => ({ status: 'completed', detail: `serial ${u.serial}, issued by ${chain.issuer}, on ${csrNode}` }),
    NO_SKIP.upload,
  );
}

/** Another node holds the certificate the CSR node distributed (read until it does, within the activity's retries). */
function confirmReceived(ctx: UnitRunContext, renewal: CaRenewal, csrNode: string, nodeId: string, serial: string) {
  const { unit } = renewal;
  return ctx.run.attempt(
    {
      kind: 'upload-certificate',
      unit,
      nodeId,
      description: `Confirm ${nodeId} received the multi-server ${unit} ${serial} from ${csrNode}`,
    },
    () =>
      named(quick.confirmDistributedCertificate, `Confirm ${nodeId} holds the multi-server ${unit}`, {
        ...nodeRef(ctx, nodeId),
        unit,
        serial,
      }),
    (h) => ({ status: 'completed', detail: `serial ${h.serial}, distributed by ${csrNode}` }),
    NO_SKIP.upload,
  );
}

/** The node's new serial, in what the later steps check against, the run's result and its state. */
function recordRenewed(ctx: UnitRunContext, nodeId: string, before: Before, serial: string, sha256After?: string) {
  const was = before.get(nodeId);
  const outcome = {
    serialBefore: was?.serial ?? '',
    serialAfter: serial,
    regeneratedNow: true,
    ...(was?.sha256 ? { sha256Before: was.sha256 } : {}),
    ...(sha256After ? { sha256After } : {}),
  };
  ctx.newSerials.set(nodeId, serial);
  ctx.result.nodes.push({ nodeId, ...outcome });
  ctx.run.state.certificates.push({ nodeId, ...outcome });
}
