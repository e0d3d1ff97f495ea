/**
 * The per-activity recorder of what was sent to a cluster: each client calls `recordSent` at the one place a request
 * leaves it (CliSession.run, the AXL and serviceability SOAP calls, the Control Center and certificate REST
 * requests, the TLS probe), and the worker's activity interceptor (../activity-support.ts) runs every activity with
 * a recorder of its own and hands what it recorded back in the result (or the failure's details). An
 * AsyncLocalStorage follows the activity's own promises, so two activities sharing a pooled session each record
 * only their own commands; outside an activity (a session's idle check) nothing is recorded.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { addSent, redact, type SentChannel, type SentRecord } from '../../domain/evidence';

const current = new AsyncLocalStorage<SentRecord>();

/** Runs `work` with an empty recorder; returns its result and what it recorded. */
export async function recording<T>(work: () => Promise<T>): Promise<{ sent: SentRecord; result?: T; error?: unknown }> {
  const sent: SentRecord = { requests: [] };
  try {
    return { sent, result: await current.run(sent, work) };
  } catch (error) {
    return { sent, error };
  }
}

/**
 * Records one request of the running activity. `secrets` are the values the client holds (its password): any of
 * them in the request is replaced before it is kept, as is anything shaped like a credential.
 */
export function recordSent(via: SentChannel, target: string, request: string, secrets: readonly string[] = []): void {
  const into = current.getStore();
  if (!into) return;
  addSent(into, { requests: [{ via, target, request: redact(request, secrets), count: 1 }] });
}
