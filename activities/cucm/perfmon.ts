/**
 * PerfMon client (node-soap, from Cisco's PerfmonService.wsdl): the `Cisco CallManager` object's registered-phone
 * counters of each node, what RTMT's Device Summary shows, read through one session on the publisher. PerfMon has a
 * budget of its own (a real node states 80 requests a minute in its over-limit fault), apart from RisPort70's, so
 * watching the counts costs nothing of the RisPort70 budget that confirming identities needs.
 *
 * Anything that keeps the counters from being read (a node without the object, a fault, HTTP 404, the budget spent
 * twice in a row) is a `PerfmonUnavailable` with a short reason: the caller falls back to RisPort70 alone and says why.
 */
import { classifyHttpError } from './errors';
import { isOverLimit, LimitedSoapClient, type SoapTarget } from './limited-soap';
import type { SlidingWindowLimiter } from './rate-limiter';
import { asArray, text, type Xml } from './xml';
import { WSDL } from './wsdl';

export const CALLMANAGER_OBJECT = 'Cisco CallManager';
/** The counters whose sum is a node's registered phones (RTMT's Device Summary, "Registered Phones"). */
export const REGISTERED_PHONE_COUNTERS = ['RegisteredHardwarePhones', 'RegisteredOtherStationDevices'] as const;

/** The share of a node's PerfMon budget (80 a minute on a real node) this product takes: half, the rest for RTMT. */
export const PERFMON_REQUESTS_PER_MINUTE = 40;

export class PerfmonUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`PerfMon not used: ${reason}`);
  }
}

/** `\\host\Cisco CallManager\RegisteredHardwarePhones` → host. */
export function counterHost(name: string): string | undefined {
  return /^\\\\([^\\]+)\\/.exec(name.trim())?.[1];
}

export function counterNames(host: string): string[] {
  return REGISTERED_PHONE_COUNTERS.map((c) => `\\\\${host}\\${CALLMANAGER_OBJECT}\\${c}`);
}

/** Sums a collection's values per host (only the hosts asked for; a value without a host is ignored). */
export function registeredPerHost(
  values: Array<{ name: string; value: number }>,
  hosts: string[],
): Map<string, number> {
  const byLower = new Map(hosts.map((h) => [h.toLowerCase(), h]));
  const out = new Map(hosts.map((h) => [h, 0]));
  for (const v of values) {
    const host = byLower.get(counterHost(v.name)?.toLowerCase() ?? '');
    if (host !== undefined && Number.isFinite(v.value)) out.set(host, (out.get(host) ?? 0) + v.value);
  }
  return out;
}

export class PerfmonClient extends LimitedSoapClient {
  constructor(target: SoapTarget, limiter: SlidingWindowLimiter, onWait?: (ms: number) => void) {
    super(
      target,
      { wsdl: WSDL.perfmon, path: '/perfmonservice2/services/PerfmonService', via: 'perfmon' },
      limiter,
      onWait,
    );
  }

  /**
   * The interval at which a loop of reads uses three quarters of this worker's share of the budget: never held by
   * the limiter, and a quarter left for the session's own requests (open, add, close) and the next baseline's.
   */
  get evenIntervalMs(): number {
    return Math.ceil(this.limiter.windowMs / (this.limiter.limit * 0.75));
  }

  /**
   * One request within the cluster's PerfMon limiter. Over the node's budget the client holds off a whole window and
   * asks once more, as RisPort70's does; a second over-limit fault, or any other failure, is PerfMon unavailable.
   */
  private request(operation: string, args: unknown): Promise<Xml> {
    return this.call(
      operation,
      args,
      (faults) => faults < 2,
      (err) =>
        new PerfmonUnavailable(
          isOverLimit(err)
            ? 'over its rate limit twice in a row'
            : classifyHttpError(`${this.target.label}: PerfMon ${operation}`, err, this.target)
                .message.replace(`${this.target.label}: `, '')
                .slice(0, 160),
        ),
    );
  }

  /**
   * A session holding the registered-phone counters of the given nodes. Nodes that do not serve them (an IM and
   * Presence node, a node without the CallManager service) are left out, each found by adding its counters alone
   * after the request with all of them failed; none left is `PerfmonUnavailable`.
   */
  async open(hosts: string[]): Promise<RegisteredCounts> {
    const opened = await this.request('perfmonOpenSession', {});
    const handle = text(opened.perfmonOpenSessionReturn);
    if (!handle) throw new PerfmonUnavailable('perfmonOpenSession returned no session handle');
    const add = (names: string[]) =>
      this.request('perfmonAddCounter', {
        SessionHandle: handle,
        ArrayOfCounter: { Counter: names.map((Name) => ({ Name })) },
      });
    let served = hosts;
    try {
      await add(hosts.flatMap(counterNames));
    } catch (err) {
      if (!(err instanceof PerfmonUnavailable) || /rate limit/.test(err.reason) || hosts.length === 1) {
        await this.close(handle);
        throw err instanceof PerfmonUnavailable && hosts.length === 1
          ? new PerfmonUnavailable(`no node serves the ${CALLMANAGER_OBJECT} counters (${err.reason})`)
          : err;
      }
      served = [];
      for (const host of hosts)
        if (
          await add(counterNames(host)).then(
            () => true,
            () => false,
          )
        )
          served.push(host);
      if (served.length === 0) {
        await this.close(handle);
        throw new PerfmonUnavailable(`no node serves the ${CALLMANAGER_OBJECT} counters (${err.reason})`);
      }
    }
    return new RegisteredCounts(this, handle, served);
  }

  /** Registered phones per node now, through the session. */
  async collect(handle: string, hosts: string[]): Promise<Map<string, number>> {
    const result = await this.request('perfmonCollectSessionData', { SessionHandle: handle });
    const values = asArray(result.perfmonCollectSessionDataReturn as Xml | Xml[] | undefined).map((v) => ({
      name: text(v.Name, text((v.Name as Xml | undefined)?.$value)),
      value: Number(v.Value),
    }));
    return registeredPerHost(values, hosts);
  }

  /** Closes a session; a failure to close is not the caller's problem (the node drops it in time). */
  async close(handle: string): Promise<void> {
    await this.request('perfmonCloseSession', { SessionHandle: handle }).catch(() => undefined);
  }
}

/** An open session's registered-phone counts per node. */
export class RegisteredCounts {
  constructor(
    private readonly client: PerfmonClient,
    private readonly handle: string,
    readonly hosts: string[],
  ) {}
  read(): Promise<Map<string, number>> {
    return this.client.collect(this.handle, this.hosts);
  }
  close(): Promise<void> {
    return this.client.close(this.handle);
  }
}
