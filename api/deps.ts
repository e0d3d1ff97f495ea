/**
 * The bottom of api/: what every module of the API receives (its dependencies) and the one way it bounds a call to
 * Temporal. Imports nothing else of api/ but the problem types, so no import circle goes through it.
 */
import type { Client } from '@temporalio/client';
import type { Inventory } from '../domain/inventory/types';
import { TemporalTimeout } from './problem';

export interface ApiDeps {
  temporal: Client;
  namespace: string;
  taskQueue: string;
  inventory: Inventory;
  /** Base URL of the Temporal Web UI, for links (change report); default http://127.0.0.1:8233. */
  temporalUiUrl?: string;
  /**
   * The Temporal client identities counted as this API's besides its own client's (`temporal.options.identity`),
   * `*` matching any characters (API_TEMPORAL_IDENTITIES): a decision in a history counts as verified only
   * when one of them sent it. Default `cucm-cert-regen-api@*`.
   */
  apiIdentities?: string[];
  /**
   * API_VERIFIED_TEMPORAL_IDENTITIES: Temporal client identities the operator vouches are bound to an authenticated
   * user by Temporal's own authorization (docs/identity.md); a decision from one counts as verified when the name
   * typed in is that identity. Default none: only the API's decisions are verified.
   */
  verifiedTemporalIdentities?: string[];
}

/**
 * Bounds a Temporal call: a slow or absent Temporal becomes a 503, not a hanging request. The gRPC deadline ends the
 * call; the timer ends the wait even while the client is still backing off between connection attempts.
 */
export function withDeadline<T>(deps: ApiDeps, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalTimeout(`Temporal did not answer within ${ms} ms.`)), ms);
  });
  return Promise.race([deps.temporal.withDeadline(Date.now() + ms, fn), limit]).finally(() => clearTimeout(timer));
}
