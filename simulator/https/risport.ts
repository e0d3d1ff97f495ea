/**
 * RisPort70 (`/realtimeservice2/services/RISService70`): selectCmDevice and selectCmDeviceExt over the phone
 * fleet, served by node-soap from Cisco's RISService70.wsdl. Cluster-wide view from any node, at most 1000 devices
 * per reply, StateInfo to fetch the next page, and the cluster-wide rate limit with Cisco's fault text (typo
 * included).
 *
 * Every element of CmDevice is sent, in the WSDL's order, those without a value as xsi:nil: the schema makes them
 * nillable but not optional (minOccurs 1), so a strict client (zeep's default) refuses a reply that leaves one out.
 *
 * StateInfo is what real nodes send: an XML document, escaped as the text of the StateInfo element,
 * `<StateInfo><Node Name="cucm-pub" SubsystemStartTime="1700000000" StateId="12" TotalItemsFound="900"
 * TotalItemsReturned="900"/>...</StateInfo>`, one Node per call-processing node (the attribute names are those of
 * real replies; their exact semantics are not published, so this reading is a guess): TotalItemsFound is how many of
 * the node's devices match, TotalItemsReturned how many of them the pages so far carried. Sent back, it continues
 * after those. The last page (and a reply that finds nothing, as in the real empty reply of reference section 3.3)
 * carries an empty StateInfo, so a client loops until it comes back empty; or, with `risport.pagingEnd: "no-change"`,
 * a StateInfo still, and the request after it gets NoChange nodes and the same StateInfo back (a client stops when
 * the StateInfo repeats, as cisco-risport's selectCmDevicePaginated does). Public evidence shows both endings.
 *
 * The rate-limit fault's code is `ns1:Server.RateControl`, what public PHP and Splunk RisPort70 clients written
 * against real nodes test for (its text: an Imagicle knowledge-base capture).
 */
import { XMLParser } from 'fast-xml-parser';
import type { IServices } from 'soap';
import type { SimCluster, SimNode } from '../model';
import type { SimPhone } from '../phones';
import { requestUser } from './basic-auth';
import { risportLimiter } from './rate-limit';
import { SoapFaultError, xmlEscape } from './soap-fault';
import { starPattern } from './wildcard';
import { asArray, child, childText } from './xml-value';

export const RISPORT_PATH = '/realtimeservice2/services/RISService70';

/** "The limit on devices in a query response is 1000." */
const MAX_DEVICES_PER_REPLY = 1000;

interface Criteria {
  max: number;
  deviceClass: string;
  model: string;
  status: string;
  nodeName: string;
  selectBy: string;
  items: string[];
  protocol: string;
  downloadStatus: string;
}

function value(parent: unknown, name: string, fallback: string): string {
  const text = childText(parent, name)?.trim();
  return text ? text : fallback;
}

function parseCriteria(args: unknown): Criteria {
  const c = child(args, 'CmSelectionCriteria');
  const requested = Number(value(c, 'MaxReturnedDevices', String(MAX_DEVICES_PER_REPLY)));
  // An Item may list several names separated by commas, as ciscoris's checkRegistration sends them (inferred from
  // that community client, written against real nodes; Cisco's page does not say).
  const items = asArray(child(child(c, 'SelectItems'), 'item'))
    .flatMap((item) => (childText(item, 'Item') ?? '').split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return {
    max:
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_DEVICES_PER_REPLY) : MAX_DEVICES_PER_REPLY,
    deviceClass: value(c, 'DeviceClass', 'Any'),
    model: value(c, 'Model', '255'),
    status: value(c, 'Status', 'Any'),
    nodeName: value(c, 'NodeName', ''),
    selectBy: value(c, 'SelectBy', 'Name'),
    items,
    protocol: value(c, 'Protocol', 'Any'),
    downloadStatus: value(c, 'DownloadStatus', 'Any'),
  };
}

const STATUSES = ['Any', 'Registered', 'UnRegistered', 'Rejected', 'PartiallyRegistered', 'Unknown'];
const SELECT_BY = ['Name', 'IPV4Address', 'IPV6Address', 'DirNumber', 'Description'];

function invalid(message: string): SoapFaultError {
  return new SoapFaultError('soapenv:Client', message);
}

/** The predicate a phone must pass; throws a client fault for values outside the WSDL's enumerations. */
function phoneFilter(c: Criteria, nodes: SimNode[]): (p: SimPhone) => boolean {
  if (!STATUSES.includes(c.status)) throw invalid(`Invalid Status ${c.status}`);
  if (!SELECT_BY.includes(c.selectBy)) throw invalid(`Invalid SelectBy ${c.selectBy}`);
  // Exact names (the usual case: a client asks for up to 1000 known phones) go through a set, patterns through
  // regexes: 1000 regexes against 40,000 phones per request would be far slower than a real node.
  const exact = new Set(c.items.filter((i) => !i.includes('*')).map((i) => i.toLowerCase()));
  const patterns = c.items.filter((i) => i.includes('*')).map(starPattern);
  const field = (p: SimPhone): string | undefined => {
    switch (c.selectBy) {
      case 'Name':
        return p.name;
      case 'IPV4Address':
        return p.ip;
      case 'DirNumber':
        return p.dirNumber;
      case 'Description':
        return p.description;
      default:
        return undefined; // IPV6Address: the fleet is IPv4 only
    }
  };
  const nodeNames = new Set(nodes.map((n) => n.name));
  const classOk = c.deviceClass === 'Any' || c.deviceClass === 'Phone';
  const downloadOk = c.downloadStatus === 'Any' || c.downloadStatus === 'Successful';
  return (p) => {
    if (!classOk || !downloadOk || !nodeNames.has(p.node)) return false;
    if (c.status !== 'Any' && p.status !== c.status) return false;
    if (c.model !== '255' && String(p.model) !== c.model) return false;
    if (c.protocol !== 'Any' && p.protocol !== c.protocol) return false;
    if (patterns.length === 0 && exact.size === 0) return true;
    const text = field(p);
    return text !== undefined && (exact.has(text.toLowerCase()) || patterns.some((re) => re.test(text)));
  };
}

/** Per node: how many of its matching devices the earlier pages returned (from a StateInfo sent back). */
type Returned = Map<string, number>;

const stateParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false });

function parseStateInfo(text: string): Returned {
  const returned: Returned = new Map();
  let parsed: unknown;
  try {
    parsed = stateParser.parse(text, true);
  } catch {
    throw invalid('Invalid StateInfo: send back the StateInfo of the previous reply unchanged');
  }
  const nodes = asArray(child(child(parsed, 'StateInfo'), 'Node'));
  if (nodes.length === 0) throw invalid('Invalid StateInfo: send back the StateInfo of the previous reply unchanged');
  for (const node of nodes) {
    const name = child(node, '@_Name');
    const count = Number(child(node, '@_TotalItemsReturned'));
    if (typeof name !== 'string' || !Number.isInteger(count) || count < 0)
      throw invalid('Invalid StateInfo: send back the StateInfo of the previous reply unchanged');
    returned.set(name, count);
  }
  return returned;
}

/** When each cluster's (simulated) RIS subsystems started, epoch seconds: SubsystemStartTime. */
const subsystemStart = new WeakMap<SimCluster, number>();

interface NodeState {
  name: string;
  /** Changes when a device of the node changes state (the sum of its phones' resets; a guess at the real counter). */
  stateId: number;
  found: number;
  returned: number;
}

function formatStateInfo(cluster: SimCluster, nodes: NodeState[]): string {
  let start = subsystemStart.get(cluster);
  if (start === undefined) {
    start = Math.floor(Date.now() / 1000);
    subsystemStart.set(cluster, start);
  }
  const attr = (v: string | number) => xmlEscape(String(v));
  return `<StateInfo>${nodes
    .map(
      (n) =>
        `<Node Name="${attr(n.name)}" SubsystemStartTime="${start}" StateId="${n.stateId}" TotalItemsFound="${n.found}" TotalItemsReturned="${n.returned}"/>`,
    )
    .join('')}</StateInfo>`;
}

/** RisPort's StatusReason codes, mapped from the simulator's reasons. */
function statusReason(p: SimPhone): number {
  if (p.status === 'Registered') return 0;
  const reason = p.reason ?? '';
  if (reason === 'Reset') return 9; // CallManagerReset
  if (/CallManager/.test(reason) && !/certificate/.test(reason)) return 6; // ConnectivityError
  if (/TFTP/.test(reason)) return 7; // InitializationError
  if (/ITL|CTL|TLS|trust/i.test(reason)) return 10; // AuthenticationError
  return 1; // Unknown
}

/** One CmDevice, every element in the WSDL's sequence (nillable ones without a value as null: xsi:nil). */
function cmDevice(p: SimPhone) {
  return {
    Name: p.name,
    DirNumber: `${p.dirNumber}-${p.status}`,
    DeviceClass: 'Phone',
    Model: p.model,
    Product: p.model,
    BoxProduct: 0,
    Httpd: 'Yes',
    RegistrationAttempts: p.resets,
    IsCtiControllable: true,
    LoginUserId: null,
    Status: p.status,
    StatusReason: statusReason(p),
    PerfMonObject: 2,
    DChannel: 0,
    Description: p.description,
    H323Trunk: null, // a phone is no H.323 trunk
    TimeStamp: p.timestamp,
    Protocol: p.protocol,
    NumOfLines: 1,
    LinesStatus: { item: [{ DirectoryNumber: p.dirNumber, Status: p.status }] },
    ActiveLoadID: 'sip88xx.14-2-1-0001-14',
    InactiveLoadID: null,
    DownloadStatus: 'Successful',
    DownloadFailureReason: null,
    DownloadServer: p.node,
    IPAddress: { item: [{ IP: p.ip, IPAddrType: 'ipv4', Attribute: 'Unknown' }] },
  };
}

/** One reply: CmNodes per CUCM node (Ok with its devices on this page, NotFound without), and the next StateInfo. */
function selectCmDevice(cluster: SimCluster, args: unknown) {
  const criteria = parseCriteria(args);
  const cmNodes = cluster.nodes.filter((n) => n.product === 'callmanager');
  const nodes = criteria.nodeName ? cmNodes.filter((n) => [n.name, n.fqdn, n.ip].includes(criteria.nodeName)) : cmNodes;
  if (nodes.length === 0) {
    return {
      total: 0,
      reply: {
        selectCmDeviceReturn: {
          SelectCmDeviceResult: {
            TotalDevicesFound: 0,
            CmNodes: {
              item: [{ ReturnCode: 'InvalidNodeName', Name: criteria.nodeName, NoChange: false, CmDevices: null }],
            },
          },
          StateInfo: '',
        },
      },
      returned: 0,
    };
  }
  const accepts = phoneFilter(criteria, nodes);
  const stateInfo = childText(args, 'StateInfo')?.trim() ?? '';
  const before: Returned = stateInfo ? parseStateInfo(stateInfo) : new Map<string, number>();

  const list = cluster.phones.list;
  const states = new Map<string, NodeState>(
    nodes.map((n) => [n.name, { name: n.name, stateId: 1, found: 0, returned: before.get(n.name) ?? 0 }]),
  );
  let total = 0;
  const pageIndexes: number[] = [];
  let more = false;
  for (let i = 0; i < list.length; i++) {
    const phone = list[i]!;
    const state = states.get(phone.node);
    if (state) state.stateId += phone.resets;
    if (!state || !accepts(phone)) continue;
    total += 1;
    state.found += 1;
    // The node's first `returned` matching devices went out on earlier pages.
    if (state.found <= (before.get(phone.node) ?? 0)) continue;
    if (pageIndexes.length < criteria.max) {
      pageIndexes.push(i);
      state.returned += 1;
    } else more = true;
  }
  // The "no-change" ending: asked to continue after the last page, the node answers that nothing changed.
  const noChangeEnd = cluster.config.risport?.pagingEnd === 'no-change';
  if (noChangeEnd && stateInfo && pageIndexes.length === 0) {
    return {
      total,
      returned: 0,
      reply: {
        selectCmDeviceReturn: {
          SelectCmDeviceResult: {
            TotalDevicesFound: total,
            CmNodes: {
              item: nodes.map((n) => ({
                ReturnCode: 'NotFound',
                Name: n.name,
                NoChange: true,
                CmDevices: { item: [] },
              })),
            },
          },
          StateInfo: stateInfo,
        },
      },
    };
  }
  const byNode = new Map<string, SimPhone[]>();
  for (const i of pageIndexes) {
    const phone = list[i]!;
    const group = byNode.get(phone.node);
    if (group) group.push(phone);
    else byNode.set(phone.node, [phone]);
  }
  return {
    total,
    returned: pageIndexes.length,
    reply: {
      selectCmDeviceReturn: {
        SelectCmDeviceResult: {
          TotalDevicesFound: total,
          CmNodes: {
            item: nodes.map((n) => {
              const devices = byNode.get(n.name) ?? [];
              return {
                ReturnCode: devices.length > 0 ? 'Ok' : 'NotFound',
                Name: n.name,
                NoChange: false,
                CmDevices: { item: devices.map(cmDevice) },
              };
            }),
          },
        },
        StateInfo: more || noChangeEnd ? formatStateInfo(cluster, [...states.values()]) : '',
      },
    },
  };
}

function rateLimitFault(limit: number): SoapFaultError {
  return new SoapFaultError(
    // The code real nodes send (Axis's ns1 prefix): public PHP and Splunk RisPort70 clients test for it.
    'ns1:Server.RateControl',
    `AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is ${limit} requests per minute.`,
  );
}

/** node-soap services for RISService70.wsdl (service RISService70, port RisPort70). */
export function risportServices(node: SimNode): IServices {
  const cluster = node.cluster;
  const handle = (op: string, args: unknown, req: unknown) => {
    const user = requestUser(req);
    const limiter = risportLimiter(cluster);
    const injected = cluster.faults.risportOverLimit > 0;
    if (injected) cluster.faults.risportOverLimit -= 1;
    if (injected || !limiter.take()) {
      cluster.log(node, user, 'risport', { op, fault: 'RateControl' });
      throw rateLimitFault(limiter.limit);
    }
    try {
      const { reply, returned, total } = selectCmDevice(cluster, args);
      cluster.log(node, user, 'risport', { op, returned: String(returned), total: String(total) });
      return reply;
    } catch (err) {
      cluster.log(node, user, 'risport', { op, fault: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };
  return {
    RISService70: {
      RisPort70: {
        selectCmDevice: (args: unknown, _callback: unknown, _headers: unknown, req: unknown) =>
          handle('selectCmDevice', args, req),
        selectCmDeviceExt: (args: unknown, _callback: unknown, _headers: unknown, req: unknown) =>
          handle('selectCmDeviceExt', args, req),
        selectCtiItem: () => {
          throw new SoapFaultError('soapenv:Server', 'selectCtiItem is not available on this (simulated) node');
        },
      },
    },
  };
}
