/**
 * A sliding-window limiter shared by every activity of one cluster in this worker process, so RisPort70 queries
 * stay under the cluster's "Allowed Device Queries Per Minute" (default 15; CUCM allows at most 18, cluster-wide,
 * across all applications). When the node still answers "Exceeded allowed rate", the next slot waits a whole window.
 */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];
  private blockedUntil = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next request may go; 0 means now. */
  delay(): number {
    const t = this.now();
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= t - this.windowMs) this.stamps.shift();
    const untilSlot = this.stamps.length < this.limit ? 0 : (this.stamps[0] ?? t) + this.windowMs - t;
    return Math.max(untilSlot, this.blockedUntil - t, 0);
  }

  /** Waits for a slot (calling `onWait` with the delay, e.g. to heartbeat), then takes it. */
  async acquire(onWait?: (ms: number) => void): Promise<void> {
    for (let wait = this.delay(); wait > 0; wait = this.delay()) {
      onWait?.(wait);
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5_000)));
    }
    this.stamps.push(this.now());
  }

  /** The server said we are over its limit (other applications share it): hold off for a whole window. */
  penalize(): void {
    this.blockedUntil = this.now() + this.windowMs;
  }
}

/** One limiter per cluster per process. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();
  constructor(private readonly windowMs = 60_000) {}
  forCluster(clusterId: string, perMinute: number): SlidingWindowLimiter {
    let limiter = this.limiters.get(clusterId);
    if (!limiter || limiter.limit !== perMinute) {
      limiter = new SlidingWindowLimiter(perMinute, this.windowMs);
      this.limiters.set(clusterId, limiter);
    }
    return limiter;
  }
}
