/**
 * The AXL operations the simulator answers, each turning the request element into the inner XML of
 * `<op>Response`. Element names and shapes follow the AXL 14.0 schema (reference section 4.3).
 */
import type { SimCluster, SimNode } from '../model';
import type { SimPhone } from '../phones';
import { LPHONE_ELEMENT_ORDER, LPHONE_FOREIGN_KEYS } from '../facts/axl';
import { deviceUuid, findDevice, processNodes, stableUuid, type ProcessNodeRow } from './axl-data';
import { executeSql, SqlError } from './axl-sql';
import { REDUNDANCY_OPERATIONS } from './axl-redundancy';
import type { AxlFault } from './soap-fault';
import { xmlEscape } from './soap-fault';
import { likePattern } from './wildcard';
import { child, childText, elementNames, isRecord } from './xml-value';

/**
 * AXL codes used here. 5003 for a version mismatch follows the reference's notes; 5007 ("Item not valid") is what
 * AXL answers for a missing item; 5000 stands in for other request errors. Informix errors keep their SQL codes.
 */
export const AXL_CODE = { generic: 5000, versionMismatch: 5003, notFound: 5007 } as const;

/** "Query request too large": AXL refuses answers over 8 MB and tells the client how many rows to fetch instead. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class AxlOperationError extends Error {
  constructor(readonly fault: Omit<AxlFault, 'request'>) {
    super(fault.message);
  }
}

export interface AxlCall {
  cluster: SimCluster;
  node: SimNode;
  /** The authenticated user, recorded as the actor of what the call changes. */
  user: string;
  /** The parsed request element (`<ns:listPhone>...`). */
  request: unknown;
}

type AxlOperation = (call: AxlCall) => string;

export const clientError = (message: string, axlcode: number = AXL_CODE.generic) =>
  new AxlOperationError({ faultcode: 'soapenv:Client', message, axlcode });

export function element(name: string, value: string): string {
  return value === '' ? `<${name}/>` : `<${name}>${xmlEscape(value)}</${name}>`;
}

/** A foreign key (XFkType) as AXL writes it: the name with the referenced row's uuid; an empty one stays empty. */
export function foreignKey(name: string, value: string, uuid: string): string {
  return value === '' ? `<${name}/>` : `<${name} uuid="${uuid}">${xmlEscape(value)}</${name}>`;
}

/** Joins row fragments into <return>, or refuses the answer as AXL does when it would exceed 8 MB. */
export function returnRows(rows: string[]): string {
  const bytes = rows.reduce((sum, r) => sum + Buffer.byteLength(r), 0);
  if (bytes > MAX_RESPONSE_BYTES) {
    const suggested = Math.max(1, Math.floor((MAX_RESPONSE_BYTES / bytes) * rows.length));
    throw new AxlOperationError({
      faultcode: 'soapenv:Server',
      axlcode: AXL_CODE.generic,
      message: `Query request too large. Total rows matched: ${rows.length} rows. Suggestive Row Fetch: less than ${suggested} rows`,
    });
  }
  return rows.length === 0 ? '<return/>' : `<return>${rows.join('')}</return>`;
}

/**
 * The tags to return: those listed in returnedTags, or every supported tag when returnedTags is absent or empty
 * (lenient: real AXL requires returnedTags on list requests).
 */
export function returnedTags(request: unknown, supported: readonly string[]): string[] {
  const asked = elementNames(child(request, 'returnedTags'));
  return asked.length === 0 ? [...supported] : supported.filter((tag) => asked.includes(tag));
}

/** searchCriteria as name → pattern; at least one element is required, as AXL documents. */
export function searchCriteria(request: unknown, allowed: readonly string[]): Array<[string, RegExp]> {
  const criteria = child(request, 'searchCriteria');
  const names = elementNames(criteria).filter((n) => allowed.includes(n));
  if (names.length === 0) throw clientError(`searchCriteria needs at least one of: ${allowed.join(', ')}`);
  return names.map((n) => [n, likePattern(childText(criteria, n) ?? '')]);
}

/** Informix-style paging: `first` rows after `skip` (skip only counts when first is given). */
export function page<T>(items: T[], request: unknown): T[] {
  const first = childText(request, 'first');
  if (first === undefined || first === '') return items;
  const skip = Number(childText(request, 'skip') ?? 0);
  const count = Number(first);
  if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(count) || count < 0)
    throw clientError('skip and first must be non-negative integers');
  return items.slice(skip, skip + count);
}

const executeSQLQuery: AxlOperation = ({ cluster, request }) => {
  const sql = childText(request, 'sql');
  if (!sql) throw clientError('sql is required');
  try {
    const rows = executeSql(cluster, sql);
    return returnRows(
      rows.map(
        (row) =>
          `<row>${Object.entries(row)
            .map(([k, v]) => element(k, v))
            .join('')}</row>`,
      ),
    );
  } catch (err) {
    if (err instanceof SqlError) throw clientError(err.message, err.code);
    throw err;
  }
};

const PROCESS_NODE_TAGS = [
  'name',
  'description',
  'mac',
  'ipv6Name',
  'nodeUsage',
  'lbmHubGroup',
  'processNodeRole',
] as const;

function processNodeValue(row: ProcessNodeRow, tag: string): string {
  switch (tag) {
    case 'name':
      return row.name;
    case 'description':
      return row.description;
    case 'mac':
      return row.mac;
    case 'ipv6Name':
      return row.ipv6Name;
    case 'nodeUsage':
      return row.nodeUsage;
    case 'processNodeRole':
      return row.processNodeRole;
    default:
      return '';
  }
}

const listProcessNode: AxlOperation = ({ cluster, request }) => {
  const criteria = searchCriteria(request, ['name', 'description', 'processNodeRole']);
  const tags = returnedTags(request, PROCESS_NODE_TAGS);
  const rows = processNodes(cluster).filter((row) =>
    criteria.every(([tag, pattern]) => pattern.test(processNodeValue(row, tag))),
  );
  return returnRows(
    page(rows, request).map(
      (row) =>
        `<processNode uuid="${row.uuid}">${tags.map((t) => element(t, processNodeValue(row, t))).join('')}</processNode>`,
    ),
  );
};

const getCCMVersion: AxlOperation = ({ cluster, request }) => {
  const nodeName = childText(request, 'processNodeName');
  if (nodeName && !cluster.nodes.some((n) => n.name === nodeName || n.fqdn === nodeName || n.ip === nodeName)) {
    throw clientError(`Item not valid: The specified processNodeName ${nodeName} was not found`, AXL_CODE.notFound);
  }
  return `<return><componentVersion>${element('version', cluster.config.version)}</componentVersion></return>`;
};

/** LPhone's elements in the schema's order (facts/axl.ts): a reply follows it whatever order the request asked in. */
const PHONE_TAGS = LPHONE_ELEMENT_ORDER;

/** Cisco's default phone security profiles, by the mode a phone has (the simulator's phones are SIP). */
const SECURITY_PROFILES = [
  { name: 'Universal Device Template - Model-independent Security Profile', deviceSecurityMode: 'Non Secure' },
  { name: 'Universal Device Template - Secure Profile - Encrypted', deviceSecurityMode: 'Encrypted' },
] as const;

function profileOf(phone: SimPhone): (typeof SECURITY_PROFILES)[number] {
  return phone.secure ? SECURITY_PROFILES[1] : SECURITY_PROFILES[0];
}

function phoneValue(phone: SimPhone, tag: string): string {
  switch (tag) {
    case 'name':
      return phone.name;
    case 'description':
      return phone.description;
    case 'product':
    case 'model':
      return phone.product;
    case 'class':
      return 'Phone';
    case 'protocol':
      return phone.protocol;
    case 'protocolSide':
      return 'User';
    case 'devicePoolName':
      return phone.devicePool;
    case 'locationName':
      return 'Hub_None';
    case 'securityProfileName':
      return profileOf(phone).name;
    default:
      return '';
  }
}

/** The table a phone's foreign key names, for the uuid of the row (the same uuid the row's own list gives it). */
const FOREIGN_TABLE: Readonly<Record<string, string>> = {
  callingSearchSpaceName: 'callingsearchspace',
  devicePoolName: 'devicepool',
  locationName: 'location',
  securityProfileName: 'securityprofile',
};

/** A phone's element: a foreign key with the uuid of the row it names (XFkType), other values as text. */
function phoneElement(cluster: SimCluster, phone: SimPhone, tag: string): string {
  const value = phoneValue(phone, tag);
  if (!LPHONE_FOREIGN_KEYS.has(tag)) return element(tag, value);
  return foreignKey(tag, value, stableUuid(cluster.config.id, FOREIGN_TABLE[tag] ?? tag, value));
}

const listPhone: AxlOperation = ({ cluster, request }) => {
  const criteria = searchCriteria(request, [
    'name',
    'description',
    'protocol',
    'callingSearchSpaceName',
    'devicePoolName',
    'securityProfileName',
  ]);
  const tags = returnedTags(request, PHONE_TAGS);
  const found = cluster.phones.list.filter((phone) =>
    criteria.every(([tag, pattern]) => pattern.test(phoneValue(phone, tag))),
  );
  return returnRows(
    page(found, request).map(
      (phone) =>
        `<phone uuid="${deviceUuid(cluster, phone)}">${tags.map((t) => phoneElement(cluster, phone, t)).join('')}</phone>`,
    ),
  );
};

const listPhoneSecurityProfile: AxlOperation = ({ cluster, request }) => {
  const criteria = searchCriteria(request, ['name', 'phoneType', 'protocol']);
  const found = SECURITY_PROFILES.filter((p) =>
    criteria.every(([tag, pattern]) => tag !== 'name' || pattern.test(p.name)),
  );
  return returnRows(
    page([...found], request).map(
      (p) =>
        `<phoneSecurityProfile uuid="${stableUuid(cluster.config.id, 'securityprofile', p.name)}">${element('name', p.name)}${element('deviceSecurityMode', p.deviceSecurityMode)}</phoneSecurityProfile>`,
    ),
  );
};

/**
 * AXL's boolean type (AXLSoap.xsd `boolean`: a string restricted to the pattern `(t)|(f)|(true)|(false)|(0)|(1)`),
 * compared without case: ciscoaxl, used widely against real nodes, sends Python's `True` through zeep (an inference
 * that real nodes accept it; the pattern itself is case-sensitive).
 */
const AXL_BOOLEAN = /^(?:t|f|true|false|0|1)$/i;

/** XReset values that make the phone drop its registration; the others (PRT, config pull) leave it registered. */
const RESETTING = new Set(['Reset', 'Restart', 'Apply Configuration']);
const RESET_TYPES = new Set([...RESETTING, 'Generate PRT', 'Extended Config Pull']);

const doDeviceReset: AxlOperation = ({ cluster, user, request }) => {
  const deviceName = childText(request, 'deviceName');
  if (!deviceName) throw clientError('deviceName is required');
  const hard = childText(request, 'isHardReset');
  const type = childText(request, 'deviceResetType');
  if (hard === undefined && type === undefined) throw clientError('Either isHardReset or deviceResetType is required');
  if (hard !== undefined && !AXL_BOOLEAN.test(hard))
    throw clientError(`isHardReset must match (t)|(f)|(true)|(false)|(0)|(1), got ${hard}`);
  if (type !== undefined && !RESET_TYPES.has(type))
    throw clientError(`deviceResetType ${type} is not one of ${[...RESET_TYPES].join(', ')}`);
  const phone = findDevice(cluster, deviceName);
  if (!phone) throw clientError(`Item not valid: The specified Device ${deviceName} was not found`, AXL_CODE.notFound);
  if (type === undefined || RESETTING.has(type)) cluster.phones.reset(phone, user);
  return element('return', deviceUuid(cluster, phone));
};

export const AXL_OPERATIONS: Readonly<Record<string, AxlOperation>> = {
  executeSQLQuery,
  listProcessNode,
  getCCMVersion,
  listPhone,
  listPhoneSecurityProfile,
  doDeviceReset,
  ...REDUNDANCY_OPERATIONS,
};

/** The request element's sequence attribute, echoed on the response as AXL does. */
export function sequenceOf(request: unknown): string | undefined {
  return isRecord(request) && typeof request['@_sequence'] === 'string' ? request['@_sequence'] : undefined;
}
