/**
 * A sliding-window limiter shared by every activity of one cluster in this worker process, so RisPort70 queries
 * stay under the cluster's "Allowed Device Queries Per Minute" (default 15; CUCM allows at most 18, cluster-wide,
 * across all applications). When the node still answers "Exceeded allowed rate", the next slot waits a whole window.
 *
 * The margin. CUCM counts a request when it arrives, somewhere between the moment we send it and the moment its
 * answer is back; how it counts is not public in detail. A limiter that stamps send times lets the 16th request go
 * exactly one window after the 1st was sent, so a 1st request that arrived late (a slow TLS handshake, a loaded
 * machine) is still in the server's window: one network delay away from a fault. So a request holds its slot while
 * it is in flight, and its stamp is the time its answer came back (no later than CUCM counted it) plus a small
 * margin (`marginMs`, default 5 % of the window, at most 1 s: CUCM's clock granularity). A request sent one window
 * after that stamp arrives more than one window after the earlier one did, whatever the delays. The cost is the
 * latency of one request (plus the margin) per window.
 */
export class SlidingWindowLimiter {
  /** Per request that took a slot: when its answer came back plus the margin; Infinity while in flight. */
  private readonly stamps: Array<{ at: number }> = [];
  private blockedUntil = 0;
  readonly marginMs: number;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
    marginMs?: number,
  ) {
    this.marginMs = marginMs ?? Math.min(1_000, Math.round(windowMs * 0.05));
  }

  /** Milliseconds to wait before the next request may go; 0 means now (Infinity: every slot is in flight). */
  delay(): number {
    const t = this.now();
    for (let i = this.stamps.length - 1; i >= 0; i--)
      if ((this.stamps[i]?.at ?? 0) <= t - this.windowMs) this.stamps.splice(i, 1);
    const oldest = Math.min(...this.stamps.map((s) => s.at));
    const untilSlot = this.stamps.length < this.limit ? 0 : oldest + this.windowMs - t;
    return Math.max(untilSlot, this.blockedUntil - t, 0);
  }

  /**
   * Waits for a slot (calling `onWait` with the delay, e.g. to heartbeat), then takes it; call the returned
   * function when the request's answer (or failure) is back.
   */
  async acquire(onWait?: (ms: number) => void): Promise<() => void> {
    for (let wait = this.delay(); wait > 0; wait = this.delay()) {
      onWait?.(wait);
      // A slot in flight frees a window after its answer: look again soon.
      await new Promise((resolve) => setTimeout(resolve, Number.isFinite(wait) ? Math.min(wait, 5_000) : 100));
    }
    const stamp = { at: Infinity };
    this.stamps.push(stamp);
    return () => {
      if (stamp.at === Infinity) stamp.at = this.now() + this.marginMs;
    };
  }

  /** The server said we are over its limit (other applications share it): hold off for a whole window. */
  penalize(): void {
    this.blockedUntil = this.now() + this.windowMs + this.marginMs;
  }
}

/**
 * One limiter per cluster per process. Several worker processes polling one cluster each have their own: give
 * each its share (`workers`: the budget is split, rounded down, at least 1 request per window), so together they
 * stay within the cluster's budget.
 */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  constructor(
    private readonly windowMs = 60_000,
    private readonly workers = 1,
  ) {}
  forCluster(clusterId: string, perMinute: number): SlidingWindowLimiter {
    const share = Math.max(1, Math.floor(perMinute / Math.max(1, this.workers)));
    let limiter = this.limiters.get(clusterId);
    if (!limiter || limiter.limit !== share) {
      limiter = new SlidingWindowLimiter(share, this.windowMs);
      this.limiters.set(clusterId, limiter);
    }
    return limiter;
  }
}
