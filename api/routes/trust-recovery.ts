/**
 * POST /v1/clusters/{id}/trust-recovery: the trust recovery for phones that lost trust in their ITL/CTL (issue 12,
 * TN 214231 ITLRecovery section). `"dryRun": true` discovers the cluster and answers the pure plan; otherwise the
 * run starts through the cluster's entity. Routing only: schemas in ../trust-recovery-schemas.ts, the start in
 * ../start-trust-recovery.ts, the plan in domain/plan/trust-recovery.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { planClusterOf } from '../../domain/plan';
import { planTrustRecovery } from '../../domain/plan/trust-recovery';
import { bearerSecurity, deciderOf } from '../auth';
import { requesterOf } from '../start-run';
import { clusterOr404 } from '../cluster-lookup';
import type { ApiDeps } from '../deps';
import type { DiscoveryService } from '../discovery';
import type { ApiMetrics } from '../metrics';
import { startAnswerSchema, startHeadersSchema } from '../regeneration-schemas';
import { authProblems, clusterParamsSchema, problemSchema } from '../schemas';
import { startTrustRecovery } from '../start-trust-recovery';
import { approvalPolicyOf, policyApplies } from '../start-run';
import { gatesOfTrustRecovery } from '../../domain/policy';
import { trustRecoveryBodySchema, trustRecoveryDryRunSchema } from '../trust-recovery-schemas';

export function trustRecoveryRoutes(
  fastify: FastifyInstance,
  deps: ApiDeps,
  discovery: DiscoveryService,
  metrics?: ApiMetrics,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/clusters/:clusterId/trust-recovery',
    {
      config: { permission: 'start' },
      schema: {
        summary: 'Recover the trust of phones that no longer accept their ITL/CTL (or dry-run it)',
        description: [
          'For phones locked out after a certificate change (e.g. CallManager and TVS regenerated together on a CallManager-signed ITL, or an ITLRecovery that changed under mixed mode, FN70613).',
          'Non-secure: utils itl reset localkey on the publisher, show itl on every TFTP node, every phone reset and awaited, Cisco Tftp restarted (the normal ITL again), phones reset and awaited again.',
          'Mixed mode: utils ctl reset localkey, TFTP restarted, phones; then utils ctl update CTLFile, TFTP restarted, phones.',
          'Gated at before-start and before each phone reset unless "approvals" says otherwise; decide the gates with POST /v1/regenerations/{id}/gates/{gateId}. Follow the run at the Location (GET /v1/regenerations/{id}).',
          'With "dryRun": true the answer is the plan (200) and nothing changes. 409 while another run holds the cluster. Never started by the expiry watch or anything automatic. Needs an operator token.',
        ].join(' '),
        tags: ['trust-recovery'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        headers: startHeadersSchema,
        body: trustRecoveryBodySchema,
        response: {
          200: trustRecoveryDryRunSchema,
          202: startAnswerSchema,
          400: problemSchema,
          404: problemSchema,
          409: problemSchema,
          422: problemSchema,
          502: problemSchema,
          503: problemSchema,
          504: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request, reply) => {
      const cluster = clusterOr404(deps, request.params.clusterId);
      if (request.body.dryRun) {
        const record = await discovery.discover(cluster.id);
        const d = record.discovery;
        // The mapping and the plan the run uses: the dry run shows what a run would do.
        const plan = planTrustRecovery(planClusterOf(d), { unmanagedNodes: d.unmanagedNodes });
        // The gates as the run resolves them, with the policy a start by this caller would carry.
        const policy = policyApplies(request) ? approvalPolicyOf(deps, cluster.id, [], 'trust-recovery') : {};
        const gates = gatesOfTrustRecovery(policy.approvalPolicy, request.body.approvals, {
          securityMode: d.securityMode === 1 ? 'mixed' : 'non-secure',
          version: d.version,
        });
        return reply.code(200).send({
          dryRun: true as const,
          plan,
          discoveredAt: d.discoveredAt,
          discoveryWorkflowId: record.workflowId,
          securityMode: d.securityMode,
          gates,
        });
      }
      const answer = await startTrustRecovery(
        deps,
        metrics,
        {
          clusterId: cluster.id,
          body: request.body,
          ...requesterOf(deciderOf(request)),
          key: request.headers['idempotency-key'],
          withPolicy: policyApplies(request),
        },
        request.log,
      );
      return reply.code(202).header('location', answer.location).send(answer);
    },
  );
}
