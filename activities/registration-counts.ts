/**
 * When a registration wait that watches PerfMon's per-node counts spends a RisPort70 read. The counts never decide
 * that phones are back (they cannot tell a phone that has not left yet after its reset from one that came back, nor
 * which phone is where): they only say when a read is worth its cost. RisPort70 reads when the counts are back to the
 * baseline and moved since the last read, when they stood still for `quietPolls` polls in a row (a drop and return
 * between two samples is not missed for ever; a phone that never returns is still read by name now and then), or at
 * the deadline. After a reset the first read waits for the counts to move: until its phones leave, the counts are the
 * baseline's and a read would only find every phone not back yet.
 */
import type { RegistrationBaseline } from '../domain/phones';
import { PerfmonUnavailable, type PerfmonClient, type RegisteredCounts } from './cucm/perfmon';

export type Counts = ReadonlyMap<string, number>;

/**
 * Are the counts back to the baseline? Per node when phones must be back with their own primary (a redundancy
 * batch: a phone on its backup counts on the backup); otherwise the cluster's total (phones may return anywhere in
 * their group).
 */
export function countsBack(now: Counts, baseline: Readonly<Record<string, number>>, perNode: boolean): boolean {
  const hosts = Object.keys(baseline);
  if (perNode) return hosts.every((h) => (now.get(h) ?? 0) >= (baseline[h] ?? 0));
  const total = (f: (h: string) => number) => hosts.reduce((sum, h) => sum + f(h), 0);
  return total((h) => now.get(h) ?? 0) >= total((h) => baseline[h] ?? 0);
}

export function countsDiffer(a: Counts, b: Counts): boolean {
  if (a.size !== b.size) return true;
  for (const [host, n] of a) if (b.get(host) !== n) return true;
  return false;
}

export const QUIET_POLLS = 6;

export class ReadPacer {
  private last: Counts | undefined;
  private moved: boolean;
  private quiet = 0;

  /** `afterReset`: the wait follows a reset (its phones have to leave before they can come back). */
  constructor(
    private readonly baseline: Readonly<Record<string, number>>,
    private readonly perNode: boolean,
    afterReset: boolean,
    private readonly quietPolls = QUIET_POLLS,
  ) {
    this.moved = !afterReset;
  }

  /** Takes this poll's counts; true when RisPort70 should be read now. */
  observe(now: Counts, pastDeadline: boolean): boolean {
    const moving = this.last !== undefined && countsDiffer(now, this.last);
    this.last = now;
    if (moving) {
      this.moved = true;
      this.quiet = 0;
    } else this.quiet += 1;
    return (
      (this.moved && countsBack(now, this.baseline, this.perNode)) || this.quiet >= this.quietPolls || pastDeadline
    );
  }

  /** RisPort70 was read: the next read waits for the counts to move (or to stay quiet long enough). */
  read(): void {
    this.moved = false;
    this.quiet = 0;
  }
}

/** A short reason for the run's record when PerfMon could not be used. */
export function whyNotUsed(err: unknown): string {
  return err instanceof PerfmonUnavailable
    ? err.reason
    : err instanceof Error
      ? err.message.slice(0, 160)
      : String(err);
}

/**
 * A registration wait's watch over PerfMon's counts: opened on the baseline's nodes, read each poll, and off for the
 * rest of the wait (with the reason, for the run's record) as soon as PerfMon fails; its session is closed at the end
 * whatever happened.
 */
export class CountsWatch {
  private constructor(
    private counts: RegisteredCounts | undefined,
    private readonly pacer: ReadPacer | undefined,
    private readonly session: RegisteredCounts | undefined,
    public notUsed: string | undefined,
  ) {}

  static async open(
    perfmon: Pick<PerfmonClient, 'open'>,
    baseline: Pick<RegistrationBaseline, 'counters' | 'countersUnavailable'>,
    options: { perNode: boolean; afterReset: boolean },
  ): Promise<CountsWatch> {
    const base = baseline.counters?.byNode;
    if (!base || Object.keys(base).length === 0)
      return new CountsWatch(
        undefined,
        undefined,
        undefined,
        baseline.countersUnavailable ?? 'the baseline has no PerfMon counts',
      );
    try {
      const counts = await perfmon.open(Object.keys(base));
      return new CountsWatch(counts, new ReadPacer(base, options.perNode, options.afterReset), counts, undefined);
    } catch (err) {
      return new CountsWatch(undefined, undefined, undefined, whyNotUsed(err));
    }
  }

  /** The counts still pace the wait. */
  get active(): boolean {
    return this.counts !== undefined;
  }

  /**
   * Reads the counts: the phones registered now by their sum, and whether RisPort70 is worth reading now. Undefined
   * when PerfMon failed (the watch is off from then on: RisPort70 paces the rest of the wait).
   */
  async poll(pastDeadline: boolean): Promise<{ registered: number; read: boolean } | undefined> {
    if (!this.counts || !this.pacer) return undefined;
    try {
      const now = await this.counts.read();
      return { registered: [...now.values()].reduce((a, b) => a + b, 0), read: this.pacer.observe(now, pastDeadline) };
    } catch (err) {
      this.counts = undefined;
      this.notUsed = whyNotUsed(err);
      return undefined;
    }
  }

  /** RisPort70 was read: the next read waits for the counts to move again. */
  readingRisport(): void {
    this.pacer?.read();
  }

  close(): Promise<void> {
    return this.session?.close() ?? Promise.resolve();
  }
}
