/**
 * The services a node runs, by role, product and release: their names as `utils service list` and Control Center
 * print them, their Control Center group (GroupName) and ServiceType, and the state a freshly installed node shows.
 * Sources as in units.ts; ServiceType's values are the WSDL's enumeration `Service | Servlet`
 * (ControlCenterServices.wsdl, ServiceTypes). The groups are the headings under which Cisco Unified Serviceability's
 * Control Center pages list the services; no captured soapGetStaticServiceList answer is public (ref Gaps 6), so a
 * group a source does not state is marked `guess`.
 */
import { atLeast, type VersionLike } from './version';
import type { NodeProduct, NodeRole } from './units';

export type ServiceType = 'Service' | 'Servlet';

export interface ServiceRow {
  name: string;
  /** Control Center page: Feature Services (activated per node) or Network Services (installed running). */
  area: 'feature' | 'network';
  group: string;
  type: ServiceType;
  products: readonly NodeProduct[];
  /**
   * Which nodes run it by default: every node, the publisher only, the call-processing nodes, or none (a feature
   * service every node lists as not activated until someone activates it).
   */
  on: 'every node' | 'publisher' | 'call-processing' | 'none';
  /** Feature services elsewhere are listed but not activated. */
  elsewhere?: 'not activated' | 'absent';
  /** Listed but not activated on these products, wherever it runs on the others. */
  notActivatedOn?: readonly NodeProduct[];
  since?: [number, number];
  /** Control Center refuses to start, stop or restart it (ref §2.4); the CLI does it. */
  notControllable?: boolean;
  source: string;
}

const CUCM: readonly NodeProduct[] = ['callmanager'];
const IMP: readonly NodeProduct[] = ['cups'];
const BOTH: readonly NodeProduct[] = ['callmanager', 'cups'];

const CORE: readonly ServiceRow[] = [
  {
    name: 'A Cisco DB',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    notControllable: true,
    source: 'ref §2.4 (not controllable through Control Center, "Cisco DB"); group: guess',
  },
  {
    name: 'Cisco Database Layer Monitor',
    area: 'network',
    group: 'DB Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: 'old CLI reference lists it among `utils service` targets (ref §1.6); group: guess',
  },
  {
    name: 'Cisco Tomcat',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    notControllable: true,
    source: 'ref §1.6 (`utils service list`), §2.4 (not controllable through Control Center); group: guess',
  },
  {
    name: 'Cisco Tomcat Stats Servlet',
    area: 'network',
    group: 'Platform Services',
    type: 'Servlet',
    products: BOTH,
    on: 'every node',
    source: 'Cisco VVB `utils service list` example (ref §1.6); group and type: guess',
  },
  {
    name: 'Cisco Certificate Change Notification',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source:
      'ref §1.6 (service list example; TN 214231 stops it before trust deletes on 11.5 and lower, ref §6); group: guess',
  },
  {
    name: 'Cisco Certificate Expiry Monitor',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source:
      'Security Guide 12.5(1)SU2, Certificate Monitoring: "The Cisco Certificate Expiry Monitor network service must be running ... Tools > Control Center - Network Services"; group: guess',
  },
  {
    name: 'Platform Communication Web Service',
    area: 'network',
    group: 'Platform Services',
    type: 'Servlet',
    products: BOTH,
    on: 'every node',
    source: 'ref §1.6 (service list example); group and type: guess',
  },
  {
    name: 'Platform Administrative Web Service',
    area: 'feature',
    group: 'Database and Admin Services',
    type: 'Servlet',
    products: BOTH,
    on: 'every node',
    source: 'ref §1.6 (service list example; TN 214231 names it for IM&P trust deletes, ref §6); group and type: guess',
  },
  {
    name: 'Cisco AXL Web Service',
    area: 'feature',
    group: 'Database and Admin Services',
    type: 'Servlet',
    products: BOTH,
    on: 'every node',
    notActivatedOn: IMP,
    source:
      'AXL is served by each CUCM node (ref §4.1); started on CUCM, not activated on IM&P: guess; group and type: guess',
  },
  {
    name: 'Cisco RIS Data Collector',
    area: 'network',
    group: 'Performance and Monitoring Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: 'ref §1.6 (service list example); group: guess',
  },
  {
    name: 'Cisco AMC Service',
    area: 'network',
    group: 'Performance and Monitoring Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: 'ref §1.6 (service list example); group: guess',
  },
  {
    name: 'Cisco DRF Master',
    area: 'network',
    group: 'Backup and Restore Services',
    type: 'Service',
    products: CUCM,
    on: 'publisher',
    elsewhere: 'absent',
    source:
      'TN 214231: "Versions 10.X and higher, DRF Master Agent runs on the CUCM Publisher only"; restarted from Control Center - Network Services (ref §1.2, §6); group: guess',
  },
  {
    name: 'Cisco DRF Local',
    area: 'network',
    group: 'Backup and Restore Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source:
      "TN 214231 (Control Center - Network Services, every node, ref §1.2); DevNet's Control Center sample restarts it (SVC-ZEEP, ref §2.3); group: guess",
  },
  {
    name: 'Cisco CDR Agent',
    area: 'network',
    group: 'CDR Services',
    type: 'Service',
    products: CUCM,
    on: 'every node',
    source:
      "DevNet's Control Center sample restarts ['Cisco CDR Agent', 'Cisco DRF Local'] (SVC-ZEEP, ref §2.3); group: guess",
  },
  {
    name: 'Cisco CDR Repository Manager',
    area: 'network',
    group: 'CDR Services',
    type: 'Service',
    products: CUCM,
    on: 'publisher',
    elsewhere: 'absent',
    source: 'guess (the CDR repository lives on the publisher)',
  },
  {
    name: 'Cisco CallManager Serviceability',
    area: 'network',
    group: 'System Services',
    type: 'Servlet',
    products: BOTH,
    on: 'every node',
    source:
      'old CLI reference lists "Cisco Unified CallManager Serviceability" (ref §1.6); name, group and type: guess',
  },
  {
    name: 'Cisco Trust Verification Service',
    area: 'network',
    group: 'Security Services',
    type: 'Service',
    products: CUCM,
    on: 'every node',
    source:
      'TN 214231 restarts it on the publisher then every subscriber (ref §1.2); a network service on every CUCM node (Security Guide, Security by Default): not quoted in the reference; group: guess',
  },
  {
    name: 'Cisco CallManager',
    area: 'feature',
    group: 'CM Services',
    type: 'Service',
    products: CUCM,
    on: 'call-processing',
    elsewhere: 'not activated',
    source: 'TN 214231 ("where Started", ref §1.2); reasons `Service Not Activated` (ref §1.6); group: guess',
  },
  {
    name: 'Cisco CTIManager',
    area: 'feature',
    group: 'CM Services',
    type: 'Service',
    products: CUCM,
    on: 'call-processing',
    elsewhere: 'not activated',
    source: 'TN 214231 ("where Started", ref §1.2); group: guess',
  },
  {
    name: 'Cisco Tftp',
    area: 'feature',
    group: 'CM Services',
    type: 'Service',
    products: CUCM,
    on: 'call-processing',
    elsewhere: 'not activated',
    source: 'TN 214231 ("Cisco TFTP where started", ref §1.2); `Cisco Tftp` spelling (ref §1.6); group: guess',
  },
  {
    name: 'Cisco Certificate Authority Proxy Function',
    area: 'feature',
    group: 'Security Services',
    type: 'Service',
    products: CUCM,
    on: 'publisher',
    elsewhere: 'not activated',
    source:
      'TN 214231: restart CAPF on the publisher, "only if active" (ref §1.2); activated on the publisher only: guess; group: guess',
  },
  {
    name: 'Cisco CTL Provider',
    area: 'feature',
    group: 'Security Services',
    type: 'Service',
    products: CUCM,
    on: 'every node',
    source: 'ref §1.6 (names used in the procedure); TN 214231 on 14SU3 tokens (ref §6); group: guess',
  },
  {
    name: 'Cisco HAProxy',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: CUCM,
    on: 'every node',
    since: [15, 0],
    source:
      'TN 214231 rev 7.0 (15.0+) restarts it on each node after CallManager (ref §1.2, §6); from 15: guess; group: guess',
  },
  {
    name: 'Cisco XCP Router',
    area: 'network',
    group: 'IM and Presence Services',
    type: 'Service',
    products: IMP,
    on: 'every node',
    source: 'guess (IM&P core service)',
  },
  {
    name: 'Cisco Presence Engine',
    area: 'feature',
    group: 'IM and Presence Services',
    type: 'Service',
    products: IMP,
    on: 'every node',
    source: 'guess (IM&P core service)',
  },
  {
    name: 'Cisco Intercluster Sync Agent',
    area: 'network',
    group: 'IM and Presence Services',
    type: 'Service',
    products: IMP,
    on: 'every node',
    source:
      'TN 214231: on IM&P 11.5 and lower stop "Platform Administration Web Services and Cisco Intercluster Sync Agent" before deleting trust certificates (ref §5.3, §6); its log is quoted in ref §4 (AXL executeSQLQuery); network service on every IM&P node and group: guess',
  },
  {
    name: 'System NTP',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: 'old CLI reference (ref §1.6); group: guess',
  },
  {
    name: 'System SSH',
    area: 'network',
    group: 'Platform Services',
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: 'HCM-F `utils service list` (TN 214607, ref §1.6); group: guess',
  },
];

/**
 * The rest of a real node's catalogue: a CUCM 15 node lists 81 services in Control Center, 65 started and the 16
 * stopped all "Not Activated" (calltelemetry/cisco-cucm-mcp README, get_service_status example), so the rows above are
 * a third of it. The names and Control Center groups below are those of Cisco Unified Serviceability's Feature
 * Services and Network Services pages as the Cisco Unified Serviceability Administration Guide (Release 14,
 * "Services") lists them; which feature services a lab has activated is a `guess` per row: the common ones
 * (media streaming, Extension Mobility, Location Bandwidth Manager, bulk provisioning, CAR) started, the rest not
 * activated, as in the public listings (the VVB guide's and TN 214607's end with `[STOPPED]  Service Not Activated`
 * lines). A Cisco DB Replicator is not controllable through Control Center like A Cisco DB (ref §2.4: guess).
 */
const SERVICEABILITY_GUIDE = 'Cisco Unified Serviceability Administration Guide, Release 14, Services';

function feature(
  name: string,
  group: string,
  on: ServiceRow['on'],
  state: string,
  extra: Partial<ServiceRow> = {},
): ServiceRow {
  return {
    name,
    area: 'feature',
    group,
    type: 'Service',
    products: CUCM,
    on,
    elsewhere: 'not activated',
    source: `${SERVICEABILITY_GUIDE} (Feature Services, ${group}); ${state}: guess`,
    ...extra,
  };
}

function network(name: string, group: string, extra: Partial<ServiceRow> = {}): ServiceRow {
  return {
    name,
    area: 'network',
    group,
    type: 'Service',
    products: BOTH,
    on: 'every node',
    source: `${SERVICEABILITY_GUIDE} (Network Services, ${group})`,
    ...extra,
  };
}

const CATALOGUE: readonly ServiceRow[] = [
  // Feature services commonly activated on the call-processing nodes of a production cluster.
  feature('Cisco IP Voice Media Streaming App', 'CM Services', 'call-processing', 'activated on call processing'),
  feature('Cisco Extension Mobility', 'CM Services', 'call-processing', 'activated on call processing'),
  feature('Cisco Location Bandwidth Manager', 'CM Services', 'call-processing', 'activated on call processing'),
  feature('Cisco UXL Web Service', 'Database and Admin Services', 'publisher', 'activated on the publisher'),
  feature('Cisco Bulk Provisioning Service', 'Database and Admin Services', 'publisher', 'activated on the publisher'),
  feature('Cisco CAR Web Service', 'CDR Services', 'publisher', 'activated on the publisher'),
  feature('Cisco SOAP - CDRonDemand Service', 'CDR Services', 'publisher', 'activated on the publisher'),
  feature(
    'Cisco CallManager SNMP Service',
    'Performance and Monitoring Services',
    'every node',
    'activated everywhere',
  ),
  // Feature services listed as not activated.
  feature('Cisco Unified Mobile Voice Access Service', 'CM Services', 'none', 'not activated'),
  feature('Cisco Extended Functions', 'CM Services', 'none', 'not activated'),
  feature('Cisco DHCP Monitor Service', 'CM Services', 'none', 'not activated'),
  feature('Cisco Intercluster Lookup Service', 'CM Services', 'none', 'not activated'),
  feature('Cisco Directory Number Alias Sync', 'CM Services', 'none', 'not activated'),
  feature('Cisco Directory Number Alias Lookup', 'CM Services', 'none', 'not activated'),
  feature('Cisco Dialed Number Analyzer Server', 'CM Services', 'none', 'not activated'),
  feature('Cisco Dialed Number Analyzer', 'CM Services', 'none', 'not activated'),
  feature('Cisco Headset Service', 'CM Services', 'none', 'not activated', { since: [12, 5] }),
  feature('Cisco Wireless Controller Synchronization Service', 'CM Services', 'none', 'not activated', {
    since: [12, 5],
  }),
  feature('Cisco IP Manager Assistant', 'CTI Services', 'none', 'not activated'),
  feature('Cisco WebDialer Web Service', 'CTI Services', 'none', 'not activated'),
  feature('Self Provisioning IVR', 'CTI Services', 'none', 'not activated'),
  feature('Cisco TAPS Service', 'Database and Admin Services', 'none', 'not activated'),
  feature('Cisco Serviceability Reporter', 'Performance and Monitoring Services', 'none', 'not activated'),
  feature('Cisco DirSync', 'Directory Services', 'none', 'not activated'),
  // Network services: installed running on every node.
  network('Cisco Audit Event Service', 'Performance and Monitoring Services'),
  network('Cisco CallManager Serviceability RTMT', 'Performance and Monitoring Services', { type: 'Servlet' }),
  network('Cisco Log Partition Monitoring Tool', 'Performance and Monitoring Services'),
  network('Cisco RTMT Reporter Servlet', 'Performance and Monitoring Services', { type: 'Servlet' }),
  network('Cisco Trace Collection Servlet', 'System Services', { type: 'Servlet' }),
  network('Cisco Trace Collection Service', 'System Services'),
  network('Cisco CDP', 'System Services'),
  network('A Cisco DB Replicator', 'Platform Services', { notControllable: true }),
  network('SNMP Master Agent', 'Platform Services'),
  network('MIB2 Agent', 'Platform Services'),
  network('Host Resources Agent', 'Platform Services'),
  network('Native Agent Adapter', 'Platform Services'),
  network('System Application Agent', 'Platform Services'),
  network('Cisco CDP Agent', 'Platform Services'),
  network('Cisco Syslog Agent', 'Platform Services'),
  network('Cisco Smart License Manager', 'Platform Services', { products: CUCM, since: [12, 0] }),
  network('SOAP -Real-Time Service APIs', 'SOAP Services', { type: 'Servlet' }),
  network('SOAP -Performance Monitoring APIs', 'SOAP Services', { type: 'Servlet' }),
  network('SOAP -Log Collection APIs', 'SOAP Services', { type: 'Servlet' }),
  network('Cisco CallManager Admin', 'Admin Services', { products: CUCM, type: 'Servlet' }),
  network('Cisco CallManager Cisco IP Phone Services', 'CM Services', { products: CUCM, type: 'Servlet' }),
  network('Cisco Change Credential Application', 'CM Services', { products: CUCM, type: 'Servlet' }),
  network('Cisco User Data Services', 'CM Services', { products: CUCM, type: 'Servlet' }),
  network('Cisco Extension Mobility Application', 'CM Services', { products: CUCM, type: 'Servlet' }),
];

/** Every service a node may list: the procedure's own (CORE) and the rest of the catalogue. */
export const SERVICE_TABLE: readonly ServiceRow[] = [...CORE, ...CATALOGUE];

export type ServiceDefault = 'started' | 'not activated';

/**
 * The services a node lists and their state on a freshly installed node (a config can override any), or nothing
 * for a service the node does not have.
 */
export function servicesOnNode(
  v: VersionLike,
  role: NodeRole,
  product: NodeProduct,
  callProcessing: boolean,
): Array<{ row: ServiceRow; state: ServiceDefault }> {
  const out: Array<{ row: ServiceRow; state: ServiceDefault }> = [];
  for (const row of SERVICE_TABLE) {
    if (!row.products.includes(product) || (row.since && !atLeast(v, row.since[0], row.since[1]))) continue;
    const here =
      row.on === 'every node' ||
      (row.on === 'publisher' && role === 'publisher') ||
      (row.on === 'call-processing' && callProcessing);
    const inactive = row.notActivatedOn?.includes(product) === true;
    if (here && !inactive) out.push({ row, state: 'started' });
    else if (inactive || row.elsewhere === 'not activated') out.push({ row, state: 'not activated' });
  }
  return out;
}

export function serviceRow(name: string): ServiceRow | undefined {
  return SERVICE_TABLE.find((r) => r.name === name);
}
