/**
 * The expiry watch's activities (workflows/expiry-watch.ts): publish what discovery read as metrics, and start the
 * renewal through the cluster's entity. Neither talks to a CUCM node; the reads are discoverCluster's and
 * listExpiredTrust's.
 */
import { Context } from '@temporalio/activity';
import { clusterBusyHolder, updateClusterEntity } from '../clients/cluster-entity';
import { startRunUpdate, type LeaseHolder } from '../domain/contract/cluster-entity';
import type { RegenerationRequest } from '../domain/types';
import type { ExpiryGauges } from './expiry-gauges';
import type { ExpiryReading } from '../domain/certificates';

export interface RenewalStartInput {
  workflowId: string;
  request: RegenerationRequest;
  staticSummary: string;
  /** The scheduled watch run that asked (kept in the renewal's memo). */
  watchWorkflowId: string;
}

export type RenewalStart =
  { started: true; workflowId: string; runId: string } | { started: false; holder?: LeaseHolder; message: string };

export function expiryActivities(gauges: ExpiryGauges | undefined) {
  return {
    /** Sets cucm_certificate_expiry_days and cucm_expired_trust_certificates for the cluster (worker /metrics). */
    async recordCertificateExpiry(reading: ExpiryReading): Promise<void> {
      gauges?.recordExpiry(reading);
    },

    /**
     * Asks the cluster's entity to start the renewal (Update-with-Start, as the API does). While another run holds
     * the cluster the entity refuses: that is an answer, not a failure, and nothing is started.
     */
    async startRenewal(input: RenewalStartInput): Promise<RenewalStart> {
      const { client, info } = Context.current();
      const units = input.request.units;
      try {
        const started = await updateClusterEntity(
          client,
          { clusterId: input.request.clusterId, taskQueue: info.taskQueue },
          startRunUpdate,
          [
            {
              workflowId: input.workflowId,
              type: units.length > 1 ? 'rotateCluster' : 'regenerateCertificate',
              request: input.request,
              memo: { requestedBy: input.request.requestedBy ?? 'expiry-watch', expiryWatch: input.watchWorkflowId },
              staticSummary: input.staticSummary,
            },
          ],
        );
        return { started: true, workflowId: started.workflowId, runId: started.runId };
      } catch (err) {
        const busy = clusterBusyHolder(err);
        if (busy) return { started: false, holder: busy.holder, message: busy.message };
        throw err;
      }
    },
  };
}
