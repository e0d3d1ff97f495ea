/**
 * RisPort70's request budget: "Allowed Device Queries Per Minute" counts requests from every application against
 * the whole cluster, in fixed windows. One limiter per simulated cluster, shared by all of its nodes' servers.
 */
import type { SimCluster } from '../model';

/** Counts requests in fixed windows (RisPort70's budget; each node's PerfMon budget too). */
export class FixedWindowLimiter {
  private windowStart = 0;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts a request; false when it is over the budget of the current window. */
  take(now = Date.now()): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.limit;
  }
}

const limiters = new WeakMap<SimCluster, FixedWindowLimiter>();

/**
 * The cluster's RisPort limiter: `risport.requestsPerMinute` (default 15, CUCM's default) per `risport.windowMs`
 * (default one minute). The window is taken as configured, not scaled by the clock: a test that wants a short
 * window says so.
 */
export function risportLimiter(cluster: SimCluster): FixedWindowLimiter {
  let limiter = limiters.get(cluster);
  if (!limiter) {
    limiter = new FixedWindowLimiter(
      cluster.config.risport?.requestsPerMinute ?? 15,
      cluster.config.risport?.windowMs ?? 60_000,
    );
    limiters.set(cluster, limiter);
  }
  return limiter;
}
