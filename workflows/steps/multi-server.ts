/**
 * A CA-signed tomcat / tomcat-ECDSA renewed with one multi-server (SAN) certificate (TN 118731): one CSR on the
 * publisher whose SANs name every CUCM and IM&P node, one signed chain from the engineer (checked: same key, every
 * node in its SANs, complete chain), one upload on the publisher, which distributes the certificate to every node;
 * then each other node is read until it holds that certificate. The restarts (Cisco Tomcat on every node) and the
 * verification (served over HTTPS on every node) are the plan's next steps, as for per-node CSRs.
 */
import type { PlanStep } from '../../domain/plan';
import { nodeRef, type CaRenewal, type UnitRunContext } from './context';
import { named, NO_SKIP, quick, slow } from './proxies';

type Renewal = Extract<PlanStep, { kind: 'ca-signed-renewal' }>;

export async function multiServerRenewalStep(ctx: UnitRunContext, step: Renewal, index: number): Promise<boolean> {
  const { run } = ctx;
  const unit = step.unit;
  const csrNode = step.csrNodeId ?? step.nodeIds[0] ?? ctx.discovery.nodes[0]?.id ?? '';
  const covers = step.nodeIds;
  const renewal: CaRenewal = { unit, csrs: new Map(), chains: new Map(), coversNodes: covers };
  ctx.ca = renewal;
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
  await run.waitAtGate(
    {
      id: run.gateId(`signed-certificate-${index + 1}`),
      kind: 'signed-certificate',
      description: `${unit} is CA-signed, multi-server: have the one CSR of ${csrNode} (in the run state, csrs) signed by your CA keeping all its SANs (${covers.join(', ')}), then submit the chain (leaf, intermediates, root) for ${csrNode} with the submitSignedChain update or POST .../chains. Abort stops the run; nothing was changed but the CSR.`,
      allowed: ['abort'],
    },
    () => renewal.chains.has(csrNode),
  );
  const chain = renewal.chains.get(csrNode);
  if (!chain) return false;
  await run.inWindow(`upload the signed multi-server ${unit} on ${csrNode}`);

  // Every node's certificate before, read once (a retried upload compares with these, not with the new leaf).
  const before = new Map<string, { serial: string; sha256?: string }>();
  const uploaded = await run.attempt(
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
  if (!uploaded) return false;
  ctx.uploadedAny = true;
  const record = (nodeId: string, sha256After?: string) => {
    const was = before.get(nodeId);
    const outcome = {
      serialBefore: was?.serial ?? '',
      serialAfter: uploaded.serial,
      regeneratedNow: true,
      ...(was?.sha256 ? { sha256Before: was.sha256 } : {}),
      ...(sha256After ? { sha256After } : {}),
    };
    ctx.newSerials.set(nodeId, uploaded.serial);
    ctx.result.nodes.push({ nodeId, ...outcome });
    run.state.certificates.push({ nodeId, ...outcome });
  };
  record(csrNode, uploaded.sha256);
  for (const nodeId of covers.filter((n) => n !== csrNode)) {
    const held = await run.attempt(
      {
        kind: 'upload-certificate',
        unit,
        nodeId,
        description: `Confirm ${nodeId} received the multi-server ${unit} ${uploaded.serial} from ${csrNode}`,
      },
      () =>
        named(quick.confirmDistributedCertificate, `Confirm ${nodeId} holds the multi-server ${unit}`, {
          ...nodeRef(ctx, nodeId),
          unit,
          serial: uploaded.serial,
        }),
      (h) => ({ status: 'completed', detail: `serial ${h.serial}, distributed by ${csrNode}` }),
      NO_SKIP.upload,
    );
    if (held) record(nodeId, held.sha256);
  }
  return false;
}
