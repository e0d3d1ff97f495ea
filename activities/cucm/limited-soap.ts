/**
 * A serviceability SOAP interface of the publisher behind its cluster-wide rate limiter (RisPort70, PerfMon): one
 * node-soap client from Cisco's WSDL, every request counted and taken from the limiter, and the node's over-limit
 * fault turned into a whole window held off. What happens after that is the interface's choice (`again`): RisPort70
 * always asks again, PerfMon once.
 */
import { BasicAuthSecurity, createClientAsync, type Client } from 'soap';
import type { SentChannel } from '../../domain/evidence';
import type { HttpsTrust } from './errors';
import { recordSent } from './evidence';
import type { SlidingWindowLimiter } from './rate-limiter';
import { soapCall, type Xml } from './xml';

export interface SoapTarget extends HttpsTrust {
  label: string;
  baseUrl: string;
  username: string;
  password: string;
}

/**
 * An over-limit fault: faultcode `Server.RateControl` under whatever prefix the node declares (real nodes send
 * `ns1:`), or Cisco's faultstring "Exceeded allowed rate for ..." (RisPort70: "Reatime information", typo theirs;
 * PerfMon: "Perfmon information").
 */
export function isOverLimit(err: unknown): boolean {
  const e = err as {
    root?: { Envelope?: { Body?: { Fault?: { faultcode?: unknown; faultstring?: unknown } } } };
    message?: string;
  };
  const fault = e.root?.Envelope?.Body?.Fault;
  const code = typeof fault?.faultcode === 'string' ? fault.faultcode : '';
  const text = `${typeof fault?.faultstring === 'string' ? fault.faultstring : ''} ${e.message ?? ''}`;
  return /(^|:)Server\.RateControl$/.test(code.trim()) || /Exceeded allowed rate/i.test(text);
}

export class LimitedSoapClient {
  private client: Promise<Client> | undefined;
  readonly stats = { requests: 0, overLimitFaults: 0 };

  constructor(
    protected readonly target: SoapTarget,
    /** The WSDL file, the service's path on the node, and what the evidence calls it. */
    private readonly service: { wsdl: string; path: string; via: SentChannel },
    protected readonly limiter: SlidingWindowLimiter,
    private readonly onWait: (ms: number) => void = () => undefined,
  ) {}

  // node-soap caches the parsed WSDL per path, so one client per call site costs little after the first.
  private soap(): Promise<Client> {
    this.client ??= createClientAsync(this.service.wsdl, { endpoint: `${this.target.baseUrl}${this.service.path}` });
    return this.client;
  }

  /**
   * One request within the limiter. Over the node's budget (other applications share it) the limiter holds off a
   * whole window; then `again(faults)` (the over-limit faults of this call so far) says whether to ask again or
   * throws. Any other failure goes to `failed`, which returns the error to throw.
   */
  protected async call(
    operation: string,
    args: unknown,
    again: (faults: number) => boolean,
    failed: (err: unknown) => Error,
  ): Promise<Xml> {
    const client = await this.soap();
    for (let faults = 0; ;) {
      // The TLS agent first: a pin read over SSH must not run on the budget's clock.
      const httpsAgent = await this.target.agent();
      const done = await this.limiter.acquire(this.onWait);
      client.setSecurity(new BasicAuthSecurity(this.target.username, this.target.password, { httpsAgent }));
      this.stats.requests += 1;
      recordSent(this.service.via, this.target.node ?? this.target.label, operation, [this.target.password]);
      try {
        const [result] = (await soapCall(client, operation)(args)) as [Xml | undefined];
        return result ?? {};
      } catch (err) {
        if (!isOverLimit(err)) throw failed(err);
        this.stats.overLimitFaults += 1;
        this.limiter.penalize();
        faults += 1;
        if (!again(faults)) throw failed(err);
      } finally {
        done();
      }
    }
  }
}
