/**
 * The RisPort limiter's margin, on a fake clock: a request holds its slot while in flight, and its slot frees one
 * window after its answer came back (plus the margin), not one window after it was sent; the budget is split over
 * the worker processes that share a cluster.
 */
import assert from 'node:assert/strict';
import { RateLimiterRegistry, SlidingWindowLimiter } from '../../activities/cucm/rate-limiter';

describe('RisPort sliding-window limiter', () => {
  it('counts a request from when its answer is back, plus the margin', async () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(2, 60_000, () => now, 1_000);
    const first = await limiter.acquire();
    await limiter.acquire();
    assert.equal(limiter.delay(), Infinity, 'both slots in flight');
    now = 5_000; // the first answer comes back 5 s after it was sent
    first();
    assert.equal(limiter.delay(), 61_000, 'free one window and the margin after the answer (at 66 s)');
    now = 60_000; // a send-time limiter would let it go now: one network delay from a fault
    assert.ok(limiter.delay() > 0);
    now = 66_000;
    assert.equal(limiter.delay(), 0);
  });

  it('a server over-limit fault holds everything for a window and the margin', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(15, 60_000, () => now);
    assert.equal(limiter.marginMs, 1_000);
    limiter.penalize();
    assert.equal(limiter.delay(), 61_000);
    now = 61_000;
    assert.equal(limiter.delay(), 0);
  });

  it('splits the budget over the workers that poll one cluster', () => {
    assert.equal(new RateLimiterRegistry(60_000, 2).forCluster('c', 15).limit, 7);
    assert.equal(new RateLimiterRegistry(60_000, 1).forCluster('c', 15).limit, 15);
    assert.equal(new RateLimiterRegistry(60_000, 30).forCluster('c', 15).limit, 1);
  });
});
