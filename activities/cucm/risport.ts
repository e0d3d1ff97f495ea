/**
 * RisPort70 client (node-soap, from Cisco's RISService70.wsdl): phone registration state, 1000 devices per request,
 * StateInfo paging, and the cluster-wide rate limiter. An over-limit fault is not a failure of the step: the client
 * waits a whole window and asks again.
 */
import { asArray, optionalText, text, type Xml } from './xml';
import { classifyHttpError } from './errors';
import { LimitedSoapClient, type SoapTarget } from './limited-soap';
import type { SlidingWindowLimiter } from './rate-limiter';
import { WSDL } from './wsdl';

export interface RisDevice {
  name: string;
  node: string;
  status: string;
  statusReason?: string;
  /** Epoch seconds of the last status change. */
  timestamp: number;
  ip?: string;
  /** RisPort70's Model (the device type's number, e.g. 36224 for a Cisco 8845). */
  model?: string;
}

export const MAX_DEVICES_PER_REQUEST = 1000;

export class RisPortClient extends LimitedSoapClient {
  constructor(target: SoapTarget, limiter: SlidingWindowLimiter, onWait?: (ms: number) => void) {
    super(
      target,
      { wsdl: WSDL.risport, path: '/realtimeservice2/services/RISService70', via: 'risport' },
      limiter,
      onWait,
    );
  }

  /** One selectCmDeviceExt request (one page of at most 1000 devices). */
  async page(
    names: string[],
    stateInfo: string,
    status = 'Any',
  ): Promise<{ devices: RisDevice[]; stateInfo: string; total: number }> {
    const result = await this.call(
      'selectCmDeviceExt',
      {
        StateInfo: stateInfo,
        CmSelectionCriteria: {
          MaxReturnedDevices: MAX_DEVICES_PER_REQUEST,
          DeviceClass: 'Phone',
          Model: 255,
          Status: status,
          NodeName: '',
          SelectBy: 'Name',
          SelectItems: { item: (names.length ? names : ['*']).map((Item) => ({ Item })) },
          Protocol: 'Any',
          DownloadStatus: 'Any',
        },
      },
      // Someone else used the cluster's quota: after a whole window, ask again (not a failure of the step).
      () => true,
      // classifyHttpError passes a CucmHttpError through as it is.
      (err) => classifyHttpError(`${this.target.label}: RisPort70 selectCmDeviceExt`, err, this.target),
    );
    return parseResult(result);
  }

  /** Registration state of the given phones (or of all phones), following StateInfo to the last page. */
  async snapshot(names: string[] = []): Promise<Map<string, RisDevice>> {
    const devices = new Map<string, RisDevice>();
    const batches = names.length === 0 ? [[]] : chunk(names, MAX_DEVICES_PER_REQUEST);
    for (const batch of batches) {
      let stateInfo = '';
      for (;;) {
        const page = await this.page(batch, stateInfo);
        for (const d of page.devices) {
          // A phone can appear under several nodes (it tried more than one): a registration wins.
          const seen = devices.get(d.name);
          if (!seen || (seen.status !== 'Registered' && d.status === 'Registered')) devices.set(d.name, d);
        }
        if (!page.stateInfo || page.stateInfo === stateInfo) break;
        stateInfo = page.stateInfo;
      }
    }
    return devices;
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parseResult(result: Xml): { devices: RisDevice[]; stateInfo: string; total: number } {
  const ret = (result.selectCmDeviceReturn ?? result) as Xml;
  const res = (ret.SelectCmDeviceResult ?? {}) as Xml;
  const devices: RisDevice[] = [];
  for (const node of asArray((res.CmNodes as Xml | undefined)?.item as Xml | Xml[] | undefined)) {
    if (node.ReturnCode !== undefined && node.ReturnCode !== 'Ok') continue;
    for (const d of asArray((node.CmDevices as Xml | undefined)?.item as Xml | Xml[] | undefined)) {
      const ip = asArray((d.IPAddress as Xml | undefined)?.item as Xml | Xml[] | undefined)[0];
      devices.push({
        name: text(d.Name),
        node: text(node.Name),
        status: text(d.Status, 'Unknown'),
        statusReason: optionalText(d.StatusReason),
        timestamp: Number(d.TimeStamp ?? 0),
        ip: optionalText(ip?.IP),
        model: optionalText(d.Model),
      });
    }
  }
  return { devices, stateInfo: text(ret.StateInfo), total: Number(res.TotalDevicesFound ?? devices.length) };
}
