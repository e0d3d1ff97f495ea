/**
 * Control Center Services client (node-soap, from Cisco's ControlCenterServices.wsdl): service status and
 * start/stop/restart of feature and network services on the node the request is sent to. Cisco Tomcat cannot be
 * controlled this way (reference section 2.4): restart it over the CLI.
 */
import { BasicAuthSecurity, createClientAsync, type Client } from 'soap';
import { asArray, optionalText, soapCall, text, type Xml } from './xml';
import { classifyHttpError, CucmHttpError, type HttpsTrust } from './errors';
import { recordSent } from './evidence';
import { WSDL } from './wsdl';

interface ControlCenterTarget extends HttpsTrust {
  label: string;
  nodeName: string;
  baseUrl: string;
  username: string;
  password: string;
}

interface ServiceInfo {
  name: string;
  /** Started | Stopped | Starting | Stopping | Unknown */
  status: string;
  reason?: string;
  /** Seconds since the service last started (-1 when it is not running). */
  upTimeSeconds?: number;
}

function parseServiceInfo(ret: Xml | undefined): ServiceInfo[] {
  return asArray((ret?.ServiceInfoList as Xml | undefined)?.item as Xml | Xml[] | undefined).map((s) => ({
    name: text(s.ServiceName),
    status: text(s.ServiceStatus, 'Unknown'),
    reason: optionalText(s.ReasonCodeString),
    upTimeSeconds: s.UpTime === undefined ? undefined : Number(text(s.UpTime, '-1')),
  }));
}

export class ControlCenterClient {
  private client: Promise<Client> | undefined;

  constructor(private readonly target: ControlCenterTarget) {}

  private async soap(): Promise<Client> {
    this.client ??= createClientAsync(WSDL.controlCenter, {
      endpoint: `${this.target.baseUrl}/controlcenterservice2/services/ControlCenterServices`,
    });
    const client = await this.client;
    client.setSecurity(
      new BasicAuthSecurity(this.target.username, this.target.password, { httpsAgent: await this.target.agent() }),
    );
    return client;
  }

  async status(services: string[] = []): Promise<ServiceInfo[]> {
    try {
      const client = await this.soap();
      recordSent('control-center', this.target.nodeName, 'soapGetServiceStatus', [this.target.password]);
      const [result] = (await soapCall(
        client,
        'soapGetServiceStatus',
      )({
        ServiceStatus: services.length ? services : [''],
      })) as [Xml];
      return parseServiceInfo(result.soapGetServiceStatusReturn as Xml | undefined);
    } catch (err) {
      throw classifyHttpError(`${this.target.label}: Control Center soapGetServiceStatus`, err, this.target);
    }
  }

  /**
   * Starts the operation and returns at once with the statuses the node reports; poll `status` until Started. A
   * refused control (Cisco Tomcat, a service not activated) fails as a final `fault` with the node's reason,
   * whichever way the node says it: HTTP 200 with ReturnCode/ReasonString, or HTTP 500 with a SOAP fault (no public
   * capture settles which; simulator/facts/control-center.ts).
   */
  async control(
    type: 'Start' | 'Stop' | 'Restart',
    services: string[],
  ): Promise<{ returnCode: string; reason?: string; services: ServiceInfo[] }> {
    try {
      const client = await this.soap();
      recordSent('control-center', this.target.nodeName, `soapDoControlServices ${type} ${services.join(', ')}`, [
        this.target.password,
      ]);
      const [result] = (await soapCall(
        client,
        'soapDoControlServices',
      )({
        ControlServiceRequest: { NodeName: this.target.nodeName, ControlType: type, ServiceList: { item: services } },
      })) as [Xml];
      const ret = result.soapDoControlServicesReturn as Xml | undefined;
      const returnCode = text(ret?.ReturnCode);
      const reason = optionalText(ret?.ReasonString);
      if (returnCode !== '0' && reason !== undefined)
        throw new CucmHttpError(
          'fault',
          `${this.target.label}: Control Center refused to ${type.toLowerCase()} ${services.join(', ')}: ${reason}`,
          200,
        );
      return { returnCode, reason, services: parseServiceInfo(ret) };
    } catch (err) {
      throw classifyHttpError(`${this.target.label}: Control Center soapDoControlServices`, err, this.target);
    }
  }
}
