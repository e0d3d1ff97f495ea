/**
 * Phones: bulk reset through AXL, and registration state through RisPort70 within the cluster's rate limit.
 *
 * resetPhones heartbeats a cursor (and the time it started) so a retry after a worker crash resumes where it
 * stopped. Heartbeats are throttled, so the last recorded cursor can lag what was really done: on resume, the
 * phones past the cursor are checked in RisPort first, and any whose status changed since the run started was
 * already reset and is skipped. No phone is reset twice. RisPort's TimeStamp has one-second resolution, so the first
 * attempt starts its resets on a whole second and records that second: a change stamped at or after it came after
 * the resets began (the worker's and CUCM's clocks agree through NTP).
 *
 * awaitRegistration is one long heartbeating activity that polls RisPort (frequent polling inside an activity, per
 * Temporal's polling guidance) until the phones are back or the deadline passes, then reports who is missing. After
 * a reset, a phone is back only once RisPort shows it registered with a status change at or after its reset began:
 * a real phone stays Registered for a while after doDeviceReset returns (it must receive the reset and reboot), so
 * "registered" alone would end the wait before a single phone has left.
 */
import { Context } from '@temporalio/activity';
import { heartbeating, toFailure, type ActivityContext } from './context';
import { CucmHttpError } from './cucm/errors';
import type { RegisteredCounts } from './cucm/perfmon';
import { MAX_DEVICES_PER_REQUEST, type RisDevice } from './cucm/risport';
import { CountsWatch, whyNotUsed } from './registration-counts';
import { selectCanaries } from './canary';
import { nodeIdOf } from './redundancy';
import type { CallManagerRedundancy } from '../domain/discovery';
import type {
  AwaitRegistrationResult,
  CanaryRequest,
  EarlierReset,
  RegistrationBaseline,
  ResetPhonesResult,
} from '../domain/phones';

interface PhoneSelection {
  /** Explicit device names; otherwise every phone AXL lists. */
  names?: string[];
  /** Leave these out (the canaries, reset before the fleet). */
  exclude?: string[];
  /** Only phones with an authenticated or encrypted security profile (phone reset mode "secure-only"). */
  secureOnly?: boolean;
}

interface ResetPhonesInput {
  clusterId: string;
  selection?: PhoneSelection;
  /** Phones per batch; a heartbeat with the cursor follows each batch. */
  batchSize?: number;
  /** Parallel AXL requests within a batch. */
  concurrency?: number;
  /** Pause between batches, to spare the publisher. */
  pauseMs?: number;
}

interface ResetCursor {
  /** Index of the first phone not known to be reset. */
  next: number;
  /** Epoch seconds when the run began (compared with RisPort TimeStamps on resume). */
  startedAt: number;
  total: number;
}

interface AwaitRegistrationInput {
  clusterId: string;
  baseline: RegistrationBaseline;
  deadline: string;
  pollIntervalMs?: number;
  /** Ask RisPort70 about these phones only (the canaries: the baseline then names exactly them). */
  only?: string[];
  /**
   * Epoch seconds, the reset's start (resetPhones' startedAt): a phone counts as back only once RisPort70 shows it
   * registered with a status change at or after it (a phone just reset still shows Registered for a while). Without
   * it (no reset, or phones reset by hand), registered is back.
   */
  changedSince?: number;
  /** Phones reset earlier than `changedSince` (the canaries before the fleet): back from their own reset on. */
  earlierResets?: EarlierReset[];
  /**
   * The fleet was reset in secure-only mode: only the secure phones (AXL) were reset and are waited for to leave and
   * come back; the others are back once registered.
   */
  secureOnly?: boolean;
  /**
   * After a redundancy batch (restartStrategy redundancy-groups): the CallManager groups and device pools. A phone is
   * back only once registered with the primary of its device pool's group (RisPort70's node): a phone still on its
   * backup would drop a second time when the backup restarts in the next batch. A phone whose pool or primary is
   * unknown (not in AXL, or its primary not a node of this cluster) is back once registered anywhere.
   */
  homes?: CallManagerRedundancy;
}

const MAX_NAMES_IN_BASELINE = 2000;
const MAX_MISSING_NAMES = 200;
const MAX_LONG_UNREGISTERED_NAMES = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the next whole second and returns it (epoch seconds): resets sent from then on change RisPort70
 * TimeStamps (one-second resolution) to that second or later, and nothing before them can carry it.
 */
async function wholeSecond(): Promise<number> {
  const now = Date.now();
  const second = Math.ceil(now / 1000);
  await sleep(second * 1000 - now);
  return second;
}

/** What these activities use of the worker's shared context (and nothing else). */
type PhoneDeps = Pick<ActivityContext, 'axl' | 'risport' | 'perfmon' | 'nodes'>;

export function phoneActivities(ctx: PhoneDeps) {
  async function resetOne(axl: Awaited<ReturnType<ActivityContext['axl']>>, name: string): Promise<void> {
    // AXL throttles with 503: back off and retry the same phone, the step itself does not fail.
    for (let attempt = 0; ; attempt++) {
      try {
        await axl.resetDevice(name, true);
        return;
      } catch (err) {
        if (err instanceof CucmHttpError && err.kind === 'throttled' && attempt < 8) {
          Context.current().heartbeat();
          await sleep(Math.min(500 * 2 ** attempt, 30_000));
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * PerfMon's registered-phone counts per node, read right after RisPort70's baseline: of every node the worker
   * knows and every node RisPort70 saw a phone on (nodes without the counters are left out). Never fails the
   * snapshot: without them, the wait paces RisPort70 as before and says why.
   */
  async function baselineCounts(
    clusterId: string,
    devices: RisDevice[],
  ): Promise<Pick<RegistrationBaseline, 'counters' | 'countersUnavailable'>> {
    const hosts = [
      ...new Set([...ctx.nodes(clusterId).map((n) => n.id), ...devices.map((d) => d.node).filter(Boolean)]),
    ];
    let counts: RegisteredCounts | undefined;
    try {
      counts = await ctx.perfmon(clusterId, () => Context.current().heartbeat()).open(hosts);
      return { counters: { byNode: Object.fromEntries(await counts.read()) } };
    } catch (err) {
      return { countersUnavailable: whyNotUsed(err) };
    } finally {
      await counts?.close();
    }
  }

  return {
    resetPhones: async (input: ResetPhonesInput): Promise<ResetPhonesResult> => {
      const act = Context.current();
      // A retry without a cursor (the worker died before its first heartbeat reached the server) may still follow
      // resets: resume from phone 0, counting from when the activity was first scheduled, so RisPort tells which
      // phones were already reset and none is reset twice.
      const resumed =
        (act.info.heartbeatDetails as ResetCursor | undefined) ??
        (act.info.attempt > 1
          ? { next: 0, startedAt: Math.floor(act.info.scheduledTimestampMs / 1000), total: 0 }
          : undefined);
      let cursor: ResetCursor | undefined;
      // Heartbeat through every phase (listing, the resume scan, the resets) well inside the heartbeat timeout:
      // an attempt the server times out while it still runs would reset phones alongside its retry.
      const every = Math.max(200, Math.min(5_000, (act.info.heartbeatTimeoutMs ?? 60_000) / 4));
      const beat = setInterval(() => act.heartbeat(cursor), every);
      try {
        const axl = await ctx.axl(input.clusterId);
        const listed = input.selection?.names
          ? [...input.selection.names].sort()
          : input.selection?.secureOnly
            ? await axl.securePhoneNames()
            : await axl.allPhoneNames();
        const excluded = new Set(input.selection?.exclude ?? []);
        const names = excluded.size ? listed.filter((n) => !excluded.has(n)) : listed;
        const batchSize = input.batchSize ?? 100;
        const concurrency = input.concurrency ?? 10;
        const resumedFrom = resumed?.next;
        cursor = resumed
          ? { ...resumed, total: names.length }
          : { next: 0, startedAt: await wholeSecond(), total: names.length };
        // Heartbeats are throttled, so phones past the recorded cursor may have been reset already. RisPort tells:
        // a phone whose status changed since the run started was reset by us. Scan page by page from the cursor
        // until a page holds none, and skip those phones.
        const alreadyReset = new Set<string>();
        if (resumed && resumed.next < names.length) {
          const risport = ctx.risport(input.clusterId);
          for (let from = resumed.next; from < names.length; from += 1000) {
            const page = names.slice(from, from + 1000);
            const state = await risport.snapshot(page);
            const found = page.filter((n) => (state.get(n)?.timestamp ?? 0) >= resumed.startedAt);
            for (const n of found) alreadyReset.add(n);
            if (found.length === 0) break;
          }
        }
        const skipped = alreadyReset.size;
        let reset = 0;
        while (cursor.next < names.length) {
          // A cancelled or timed-out attempt stops here: its retry owns the rest.
          act.cancellationSignal.throwIfAborted();
          const batch = names.slice(cursor.next, cursor.next + batchSize).filter((n) => !alreadyReset.has(n));
          // `concurrency` requests in flight at all times (not in lockstep groups that wait for their slowest).
          // After a failure no further reset starts (the retry resumes from the cursor).
          let at = 0;
          let failed = false;
          await Promise.all(
            Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
              while (at < batch.length && !failed)
                await resetOne(axl, batch[at++]!).catch((err: unknown) => {
                  failed = true;
                  throw err;
                });
            }),
          );
          reset += batch.length;
          cursor.next = Math.min(names.length, cursor.next + batchSize);
          act.heartbeat(cursor);
          if (input.pauseMs) await sleep(input.pauseMs);
        }
        act.log.info('phones reset', {
          cluster: input.clusterId,
          total: names.length,
          reset,
          skipped,
          resumedFrom,
        });
        return { total: names.length, reset, skippedAlreadyReset: skipped, resumedFrom, startedAt: cursor.startedAt };
      } catch (err) {
        throw toFailure(err);
      } finally {
        clearInterval(beat);
      }
    },

    /** Registration state now, as the baseline awaitRegistration compares with. */
    registrationSnapshot: async (input: {
      clusterId: string;
      withUnregistered?: boolean;
      /** Epoch seconds: phones not registered since before it are reported apart (`longUnregistered`). */
      longUnregisteredBefore?: number;
      canary?: CanaryRequest;
    }): Promise<RegistrationBaseline> =>
      heartbeating(async () => {
        try {
          const devices = await ctx.risport(input.clusterId, () => Context.current().heartbeat()).snapshot();
          const registered = [...devices.values()].filter((d) => d.status === 'Registered');
          const notRegistered = [...devices.values()].filter((d) => d.status !== 'Registered');
          const before = input.longUnregisteredBefore;
          const longDown = before === undefined ? [] : notRegistered.filter((d) => d.timestamp < before);
          const longDownSet = new Set(longDown);
          const small = devices.size <= MAX_NAMES_IN_BASELINE;
          const canary = input.canary;
          // Security profiles from AXL only where they matter: secure-only resets, or mixed mode's own groups.
          const secure =
            canary && (canary.secureOnly || canary.bySecurity)
              ? new Set(await (await ctx.axl(input.clusterId)).securePhoneNames())
              : undefined;
          const canaries = canary
            ? selectCanaries(registered, {
                perNodeModel: canary.perNodeModel,
                max: canary.max,
                ...(canary.secureOnly && secure ? { among: secure } : {}),
                ...(canary.bySecurity && secure ? { secure } : {}),
              })
            : undefined;
          const counters = await baselineCounts(input.clusterId, [...devices.values()]);
          return {
            ...counters,
            ...(canaries ? { canaries } : {}),
            takenAt: Math.max(0, ...[...devices.values()].map((d) => d.timestamp)),
            total: devices.size,
            registered: registered.length,
            registeredNames: small ? registered.map((d) => d.name).sort() : undefined,
            byNode: perNode(devices, []),
            ...(input.withUnregistered && small
              ? {
                  unregisteredNames: notRegistered
                    .filter((d) => !longDownSet.has(d))
                    .map((d) => d.name)
                    .sort(),
                }
              : {}),
            ...(before !== undefined
              ? {
                  longUnregistered: {
                    count: longDown.length,
                    names: longDown
                      .map((d) => d.name)
                      .sort()
                      .slice(0, MAX_LONG_UNREGISTERED_NAMES),
                  },
                }
              : {}),
          };
        } catch (err) {
          throw toFailure(err);
        }
      }),

    /**
     * Polls until every phone of the baseline is registered again, or the deadline passes. RisPort70 decides: a full
     * read (every phone) is the only one that can say "all back", and it sees a phone that has not left yet after its
     * reset; while fewer phones are missing than a full read would return in one fewer request, reads name only those
     * (a 5,000-phone fleet costs 5 requests per full read, the last stragglers 1); the cluster's limiter paces every
     * read. (Pacing narrowed reads at a third of the budget was tried: at time scale 1 it slept 48 s between the
     * first reads of 4,000 missing phones and cost more than it saved.)
     *
     * When the baseline carries PerfMon's per-node counts, each poll reads those instead (PerfMon's own budget), and
     * RisPort70 is read only when the counts are back to the baseline and moved since the last read, after a few
     * quiet polls, or at the deadline (registration-counts.ts): the same decisions, far fewer RisPort70 requests.
     * A canary wait (`only`) watches the same counts and reads the canaries by name. Without counts (a baseline
     * without them, a fault, the budget spent), RisPort70 alone paces the wait, as before, and the result says why.
     */
    awaitRegistration: async (input: AwaitRegistrationInput): Promise<AwaitRegistrationResult> => {
      const act = Context.current();
      const deadline = Date.parse(input.deadline);
      const expected = input.baseline.registeredNames ? new Set(input.baseline.registeredNames) : undefined;
      const pollMs = input.pollIntervalMs ?? 10_000;
      let polls = 0;
      let progress = { registered: 0, missingCount: input.baseline.registered };
      const beat = () => act.heartbeat(progress);
      const risport = ctx.risport(input.clusterId, beat);
      const perfmon = ctx.perfmon(input.clusterId, beat);
      const requestsFor = (phones: number) => Math.max(1, Math.ceil(phones / MAX_DEVICES_PER_REQUEST));
      // The latest state of every phone: a full read, with the narrowed reads since merged in.
      let devices = new Map<string, RisDevice>();
      // The phones a narrowed poll reads by name; undefined: the next poll reads every phone.
      let watching: string[] | undefined;
      let watch: CountsWatch | undefined;
      try {
        const axl = async () => ctx.axl(input.clusterId);
        const reset = await resetScope(input, async () => (await axl()).securePhoneNames());
        const home = input.homes
          ? homeCheck(input.homes, await (await axl()).phoneDevicePools(), ctx.nodes(input.clusterId))
          : undefined;
        watch = await CountsWatch.open(perfmon, input.baseline, {
          perNode: home !== undefined,
          afterReset: input.changedSince !== undefined,
        });
        let confirm = false;
        for (;;) {
          polls += 1;
          const seen = confirm ? undefined : await watch.poll(Date.now() >= deadline);
          if (seen) {
            progress = {
              registered: seen.registered,
              missingCount: Math.max(0, input.baseline.registered - seen.registered),
            };
            beat();
            if (!seen.read) {
              // Evenly, within PerfMon's budget: polled as fast as allowed, a sliding window lets a burst through
              // and then holds every request for the rest of the window, just when the phones come back.
              await sleep(Math.min(Math.max(pollMs, perfmon.evenIntervalMs), Math.max(0, deadline - Date.now())));
              continue;
            }
          }
          confirm = false;
          watch.readingRisport();
          const full = watching === undefined;
          // A full read is every phone, or every canary when the wait is for the canaries only.
          if (watching === undefined) devices = await risport.snapshot(input.only ?? []);
          else for (const [name, d] of await risport.snapshot(watching)) devices.set(name, d);
          const missing = missingPhones(devices, input.baseline, expected, reset, home);
          const registered = [...devices.values()].filter((d) => d.status === 'Registered').length;
          progress = { registered, missingCount: missing.length };
          beat();
          const allBack = missing.length === 0 && registered >= input.baseline.registered;
          // Back according to the narrowed reads: confirm with a full read at once.
          if (allBack && !full) {
            watching = undefined;
            confirm = true;
            continue;
          }
          if (allBack || Date.now() >= deadline) {
            return {
              allBack,
              registered,
              missing: missing.slice(0, MAX_MISSING_NAMES),
              missingCount: missing.length,
              polls,
              byNode: perNode(devices, missing.slice(0, MAX_MISSING_NAMES)),
              source: watch.active ? 'perfmon' : 'risport',
              ...(watch.active ? {} : { perfmonNotUsed: watch.notUsed ?? 'PerfMon unavailable' }),
              requests: { risport: risport.stats.requests, perfmon: perfmon.stats.requests },
            };
          }
          watching =
            missing.length > 0 && requestsFor(missing.length) < requestsFor(devices.size) ? missing : undefined;
          await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
        }
      } catch (err) {
        throw toFailure(err);
      } finally {
        await watch?.close();
      }
    },
  };
}

/** Registered phones per node, and the named missing phones under the node RisPort last saw them on. */
function perNode(
  devices: Map<string, RisDevice>,
  missing: string[],
): Array<{ node: string; registered: number; missing?: string[] }> {
  const nodes = new Map<string, { node: string; registered: number; missing?: string[] }>();
  const entry = (node: string) => {
    let e = nodes.get(node);
    if (!e) nodes.set(node, (e = { node, registered: 0 }));
    return e;
  };
  for (const d of devices.values()) if (d.status === 'Registered') entry(d.node || 'unknown').registered += 1;
  for (const name of missing) {
    const e = entry(devices.get(name)?.node || 'unknown');
    e.missing = [...(e.missing ?? []), name];
  }
  return [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
}

/**
 * Is a registered phone with its primary? Its device pool (AXL) names its CallManager group, whose first member is
 * the primary; RisPort70 names the node it is registered with. Unknown pool or primary: yes (nothing to wait for).
 */
function homeCheck(
  homes: CallManagerRedundancy,
  pools: Map<string, string>,
  nodes: ReadonlyArray<{ id: string; host: string }>,
): (d: RisDevice) => boolean {
  const groupOf = new Map(homes.devicePools.map((p) => [p.name, p.callManagerGroup]));
  const primaryOf = new Map(homes.groups.map((g) => [g.name, g.members[0]]));
  return (d) => {
    const pool = pools.get(d.name);
    const primary = pool === undefined ? undefined : primaryOf.get(groupOf.get(pool) ?? '');
    return primary === undefined || nodeIdOf(nodes, d.node) === primary;
  };
}

/** Which phones a wait expects to see leave and come back, and from when: undefined when no reset is known. */
interface ResetScope {
  since: (name: string) => number | undefined;
  /** Was this phone reset (secure-only resets touch the secure phones only)? The others are back once registered. */
  wasReset: (name: string) => boolean;
}

async function resetScope(
  input: AwaitRegistrationInput,
  securePhones: () => Promise<string[]>,
): Promise<ResetScope | undefined> {
  if (input.changedSince === undefined) return undefined;
  const changedSince = input.changedSince;
  const earlier = new Map<string, number>();
  for (const r of input.earlierResets ?? []) for (const name of r.names) earlier.set(name, r.since);
  const secure = input.secureOnly ? new Set(await securePhones()) : undefined;
  return {
    since: (name) => earlier.get(name) ?? changedSince,
    wasReset: (name) => earlier.has(name) || !secure || secure.has(name),
  };
}

/**
 * Who is missing: with the baseline's names, those not back now (registered, and after a reset, registered with a
 * status change since it began); for large fleets, the phones not registered whose status changed at or after the
 * baseline (phones that were already down before it are not ours to wait for), and after a reset the phones reset
 * that still show the registration they had before it (they have not left yet).
 */
function missingPhones(
  devices: Map<string, RisDevice>,
  baseline: RegistrationBaseline,
  expected?: Set<string>,
  reset?: ResetScope,
  home?: (d: RisDevice) => boolean,
): string[] {
  const sinceReset = (d: RisDevice) => {
    const since = reset?.since(d.name);
    return since === undefined || !reset?.wasReset(d.name) || d.timestamp >= since;
  };
  const atHome = (d: RisDevice) => !home || home(d);
  const back = (d: RisDevice | undefined) => d?.status === 'Registered' && sinceReset(d) && atHome(d);
  if (expected) return [...expected].filter((name) => !back(devices.get(name))).sort();
  return [...devices.values()]
    .filter((d) => (d.status !== 'Registered' ? d.timestamp >= baseline.takenAt : !sinceReset(d) || !atHome(d)))
    .map((d) => d.name)
    .sort();
}
