/**
 * Control Center Services (`/controlcenterservice2/services/ControlCenterServices`), served by node-soap from Cisco's
 * ControlCenterServices.wsdl. Acts on the local node only. soapDoControlServices answers at once with the services'
 * current states (Stopping/Starting) while the restart runs on; clients poll soapGetServiceStatus until Started.
 * Cisco Tomcat and A Cisco DB cannot be controlled here (reference 2.4): the CLI is the way for those.
 */
import type { IServices } from 'soap';
import { serviceRow } from '../facts';
import type { SimNode } from '../model';
import { NON_STOPPABLE, type ServiceState } from '../services';
import { requestUser } from './basic-auth';
import { SoapFaultError } from './soap-fault';
import { asArray, child, childText } from './xml-value';

export const CONTROL_CENTER_PATH = '/controlcenterservice2/services/ControlCenterServices';

const STATUS: Record<ServiceState, string> = {
  STARTED: 'Started',
  STOPPED: 'Stopped',
  STARTING: 'Starting',
  STOPPING: 'Stopping',
};

/**
 * ReasonCode per reason. DevNet's table of these codes was not retrievable (reference, Gaps): -1068 for "Service Not
 * Activated" is the commonly seen value; the others are plausible stand-ins, -1 meaning "no reason".
 */
const REASON_CODES: Record<string, number> = {
  'Service Not Activated': -1068,
  'Commanded Out of Service': -1039,
  'Component is not running': -1019,
};

/** When the simulated node "booted": the start time of services no restart has touched since. */
const bootTimes = new WeakMap<SimNode, Date>();

function formatStartTime(d: Date): string {
  // "Thu, 28 Nov 2024 10:15:02 GMT" to "Thu Nov 28 10:15:02 2024"
  const [wd, day, mon, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${time} ${year}`;
}

/** The last time the service reached STARTED, from the event log (restarts by any interface are recorded there). */
function startTime(node: SimNode, service: string): Date {
  const events = node.cluster.events.list({ node: node.name, kind: 'service-state' });
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.detail.service === service && e.detail.state === 'STARTED') return new Date(e.at);
  }
  return bootTimes.get(node) ?? new Date();
}

function serviceInformation(node: SimNode, name: string) {
  const service = node.services.get(name);
  if (!service) {
    return {
      ServiceName: name,
      ServiceStatus: 'Unknown',
      ReasonCode: -1,
      ReasonCodeString: 'Service not found',
      StartTime: '',
      UpTime: -1,
    };
  }
  const started = service.state === 'STARTED' ? startTime(node, name) : undefined;
  return {
    ServiceName: name,
    ServiceStatus: STATUS[service.state],
    ReasonCode: service.reason ? (REASON_CODES[service.reason] ?? -1) : -1,
    ReasonCodeString: service.reason ?? '',
    StartTime: started ? formatStartTime(started) : '',
    UpTime: started ? Math.max(0, Math.floor((Date.now() - started.getTime()) / 1000)) : -1,
  };
}

function response(node: SimNode, names: string[], error?: string) {
  return {
    ReturnCode: error ? '-1' : '0',
    ReasonCode: error ? -1 : 0,
    ReasonString: error ?? '',
    ServiceInfoList: { item: names.map((n) => serviceInformation(node, n)) },
  };
}

/** Service names from a string, a list, or `{item: [...]}`; blank entries dropped. */
function names(value: unknown): string[] {
  const list = asArray(child(value, 'item') ?? value);
  return list.map((v) => (typeof v === 'string' ? v.trim() : '')).filter((v) => v !== '');
}

type ControlType = 'Start' | 'Stop' | 'Restart';

/** Why a service cannot take this control, or undefined when it can. */
function refusal(node: SimNode, name: string, control: ControlType): string | undefined {
  const service = node.services.get(name);
  if (!service) return `${name}: invalid service name`;
  if (NON_STOPPABLE.has(name))
    return `${name} cannot be started, stopped or restarted through Control Center Services; use the CLI (utils service)`;
  if (control !== 'Stop' && service.reason === 'Service Not Activated') return `${name}: Service Not Activated`;
  if (service.state === 'STARTING' || service.state === 'STOPPING')
    return `${name} is already ${STATUS[service.state]}`;
  return undefined;
}

export function controlCenterServices(node: SimNode): IServices {
  const cluster = node.cluster;
  if (!bootTimes.has(node)) bootTimes.set(node, new Date());
  const isLocal = (name: string) => name === '' || [node.name, node.fqdn, node.ip].includes(name);

  const soapGetServiceStatus = (args: unknown, _callback: unknown, _headers: unknown, req: unknown) => {
    const requested = names(child(args, 'ServiceStatus'));
    const list = requested.length > 0 ? requested : [...node.services.keys()];
    cluster.log(node, requestUser(req), 'control-center', {
      op: 'soapGetServiceStatus',
      services: requested.join(', ') || '(all)',
    });
    return { soapGetServiceStatusReturn: response(node, list) };
  };

  const soapDoControlServices = (args: unknown, _callback: unknown, _headers: unknown, req: unknown) => {
    const actor = requestUser(req);
    const request = child(args, 'ControlServiceRequest');
    const nodeName = childText(request, 'NodeName')?.trim() ?? '';
    const control = childText(request, 'ControlType')?.trim() ?? '';
    const services = names(child(request, 'ServiceList'));
    if (!['Start', 'Stop', 'Restart'].includes(control))
      throw new SoapFaultError('soapenv:Client', `Invalid ControlType ${control}: expected Start, Stop or Restart`);
    if (!isLocal(nodeName)) {
      throw new SoapFaultError(
        'soapenv:Client',
        `NodeName ${nodeName} is not this node (${node.fqdn}): Control Center Services act on the local node only`,
      );
    }
    const detail = { op: 'soapDoControlServices', control, services: services.join(', ') };
    const error =
      services.length === 0
        ? 'ServiceList is empty: name at least one service'
        : services
            .map((s) => refusal(node, s, control as ControlType))
            .filter((r) => r !== undefined)
            .join('; ') || undefined;
    if (error) {
      cluster.log(node, actor, 'control-center', { ...detail, result: 'refused', reason: error });
      // Both shapes of a refusal (facts/control-center.ts), as the cluster is configured.
      if (cluster.config.controlCenter?.refusal === 'fault') throw new SoapFaultError('soapenv:Client', error);
      return { soapDoControlServicesReturn: response(node, services, error) };
    }
    for (const name of services) {
      const state = node.serviceState(name);
      // Already where the client wants it: nothing to do, as on a real node.
      if ((control === 'Start' && state === 'STARTED') || (control === 'Stop' && state === 'STOPPED')) continue;
      const run =
        control === 'Restart'
          ? cluster.restartService(node, name, actor)
          : control === 'Start'
            ? cluster.startService(node, name, actor)
            : cluster.stopService(node, name, actor);
      // Not awaited: the answer goes back while the service is still Stopping/Starting.
      run.catch((err: unknown) =>
        cluster.log(node, actor, 'control-center', { ...detail, result: 'failed', service: name, reason: String(err) }),
      );
    }
    cluster.log(node, actor, 'control-center', { ...detail, result: 'accepted' });
    return { soapDoControlServicesReturn: response(node, services) };
  };

  /**
   * The node's Control Center catalogue with each service's group and type (facts/services.ts). Deployable: "Only
   * deployable services can be started, stopped, or restarted" (DevNet, Control Center overview), so Cisco Tomcat
   * and A Cisco DB are not (reference 2.4).
   */
  const soapGetStaticServiceList = () => ({
    soapGetStaticServiceListReturn: {
      Services: {
        item: [...node.services.keys()].map((name) => {
          const row = serviceRow(name);
          return {
            ServiceName: name,
            ServiceType: row?.type ?? 'Service',
            Deployable: !NON_STOPPABLE.has(name),
            GroupName: row?.group ?? '',
            DependentServices: {},
          };
        }),
      },
    },
  });

  const notSimulated = (op: string) => () => {
    throw new SoapFaultError('soapenv:Server', `${op} is not available on this (simulated) node`);
  };

  return {
    ControlCenterServices: {
      ControlCenterServicesPort: {
        soapGetServiceStatus,
        soapDoControlServices,
        soapGetStaticServiceList,
        soapDoServiceDeployment: notSimulated('soapDoServiceDeployment'),
        getProductInformationList: notSimulated('getProductInformationList'),
      },
    },
  };
}
