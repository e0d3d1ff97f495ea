/**
 * The HTTPS interfaces of a simulated CUCM node, driven with the client libraries the product uses: node-soap built
 * from Cisco's WSDLs for RisPort70 and Control Center Services, axios for AXL and the certificate REST API, and
 * node:tls to see which certificate the node serves. TLS is pinned to the node's own (self-signed) tomcat certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import axios from 'axios';
import { XMLParser } from 'fast-xml-parser';
import * as soap from 'soap';
import { createCertificate } from '../../simulator/certificates';
import { startSimulator, type NodeEndpoints, type RunningSimulator } from '../../simulator/cluster-runner';
import type { ClusterConfig, SimCluster } from '../../simulator/model';
import { signCsr } from '../support/pki';

const WSDL_DIR = join(__dirname, '..', '..', 'cisco-wsdl');
const RIS_PATH = '/realtimeservice2/services/RISService70';
const CC_PATH = '/controlcenterservice2/services/ControlCenterServices';
const CERTMGR = '/platformcom/api/v1/certmgr/config';
const RATE_WINDOW_MS = 500;

const CLUSTER: ClusterConfig = {
  id: 'h1',
  version: '14.0.1.13900-155',
  securityMode: 1,
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
  ],
  // 50-100 ms at time scale 0.01: long enough to see a reset phone unregistered, short enough to wait for.
  phones: { count: 2500, registerDelayMs: [5000, 10000], dropDelayMs: [2000, 5000] },
  risport: { requestsPerMinute: 3, windowMs: RATE_WINDOW_MS },
};
const OLD_CLUSTER: ClusterConfig = {
  id: 'old',
  version: '12.5.1.11900-146',
  nodes: [{ name: 'oldpub', role: 'publisher' }],
};

// ---- response shapes as node-soap parses them ------------------------------------------------------------------

interface CmDevice {
  Name: string;
  DirNumber: string;
  DeviceClass: string;
  Model: string;
  Status: string;
  StatusReason: string;
  Protocol: string;
  TimeStamp: string;
  Description: string;
  IPAddress: { item: Array<{ IP: string; IPAddrType: string }> };
}
interface CmNode {
  ReturnCode: string;
  Name: string;
  CmDevices?: { item?: CmDevice[] } | null;
}
interface SelectCmDeviceReply {
  selectCmDeviceReturn: {
    SelectCmDeviceResult: { TotalDevicesFound: string; CmNodes?: { item?: CmNode[] } | null };
    StateInfo?: string | null;
  };
}
interface ServiceInformation {
  ServiceName: string;
  ServiceStatus: string;
  /** xsd:integer: node-soap parses it to a number. */
  ReasonCode: number;
  ReasonCodeString?: string | null;
  UpTime: number;
}
interface ServiceInformationResponse {
  ReturnCode: string;
  ReasonString?: string | null;
  ServiceInfoList?: { item?: ServiceInformation[] } | null;
}
interface RisClient {
  setEndpoint(url: string): void;
  setSecurity(security: soap.ISecurity): void;
  selectCmDeviceAsync(args: object): Promise<[SelectCmDeviceReply, string]>;
  selectCmDeviceExtAsync(args: object): Promise<[SelectCmDeviceReply, string]>;
}
interface ControlCenterClient {
  setEndpoint(url: string): void;
  setSecurity(security: soap.ISecurity): void;
  soapGetServiceStatusAsync(
    args: object,
  ): Promise<[{ soapGetServiceStatusReturn: ServiceInformationResponse }, string]>;
  soapDoControlServicesAsync(
    args: object,
  ): Promise<[{ soapDoControlServicesReturn: ServiceInformationResponse }, string]>;
}

/** What a node-soap call rejected with: the HTTP status and, for a SOAP fault, its code and text. */
function soapError(err: unknown): { status?: number; faultcode?: string; faultstring?: string } {
  const e = err as {
    response?: { status?: number };
    root?: { Envelope?: { Body?: { Fault?: { faultcode?: string; faultstring?: string } } } };
  };
  const fault = e.root?.Envelope?.Body?.Fault;
  return { status: e.response?.status, faultcode: fault?.faultcode, faultstring: fault?.faultstring };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const xml = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
});

describe('Simulated CUCM node over HTTPS (AXL, RisPort70, Control Center, certificate API)', function () {
  this.timeout(60_000);
  let sim: RunningSimulator;
  let cluster: SimCluster;
  let pub: NodeEndpoints;
  let sub: NodeEndpoints;
  let ris: RisClient;
  let cc: ControlCenterClient;

  /** Trusts exactly the certificate the node serves now (its self-signed tomcat certificate). */
  const pinned = (ep: NodeEndpoints, clusterId = 'h1') =>
    new Agent({
      ca: sim.cluster(clusterId).node(ep.name).activeCertificate('tomcat').pem,
      // The simulator listens on 127.0.0.1; the certificate names the node's FQDN.
      checkServerIdentity: () => undefined,
    });
  const base = (ep: NodeEndpoints) => `https://${ep.host}:${ep.httpsPort}`;

  before(async () => {
    sim = await startSimulator([CLUSTER, OLD_CLUSTER], { timeScale: 0.01 });
    cluster = sim.cluster('h1');
    [pub, sub] = sim.endpoints.clusters[0]!.nodes as [NodeEndpoints, NodeEndpoints];
    ris = (await soap.createClientAsync(join(WSDL_DIR, 'RISService70.wsdl'))) as unknown as RisClient;
    cc = (await soap.createClientAsync(join(WSDL_DIR, 'ControlCenterServices.wsdl'))) as unknown as ControlCenterClient;
  });
  after(() => sim.stop());

  // ---- RisPort70 ---------------------------------------------------------------------------------------------

  function risportOn(ep: NodeEndpoints, password = ep.axlPassword): RisClient {
    ris.setSecurity(new soap.BasicAuthSecurity(ep.axlUsername, password, { httpsAgent: pinned(ep) }));
    ris.setEndpoint(`${base(ep)}${RIS_PATH}`);
    return ris;
  }

  const criteria = (items: string[], extra: object = {}) => ({
    MaxReturnedDevices: 1000,
    DeviceClass: 'Phone',
    Model: 255,
    Status: 'Any',
    NodeName: '',
    SelectBy: 'Name',
    SelectItems: { item: items.map((Item) => ({ Item })) },
    Protocol: 'Any',
    DownloadStatus: 'Any',
    ...extra,
  });

  /** One RisPort call, waiting out the rate limit as a well-behaved client does. */
  async function select(
    ep: NodeEndpoints,
    args: object,
    op: 'selectCmDevice' | 'selectCmDeviceExt' = 'selectCmDevice',
  ) {
    for (let attempt = 0; ; attempt++) {
      try {
        const client = risportOn(ep);
        const [reply] =
          op === 'selectCmDevice' ? await client.selectCmDeviceAsync(args) : await client.selectCmDeviceExtAsync(args);
        return reply.selectCmDeviceReturn;
      } catch (err) {
        if (attempt > 5 || !soapError(err).faultcode?.includes('RateControl')) throw err;
        await sleep(RATE_WINDOW_MS);
      }
    }
  }

  const devicesOf = (reply: SelectCmDeviceReply['selectCmDeviceReturn']) =>
    (reply.SelectCmDeviceResult.CmNodes?.item ?? []).flatMap((n) => n.CmDevices?.item ?? []);

  it('RisPort70 pages 2,500 phones in replies of at most 1000 with StateInfo until it comes back empty', async () => {
    for (const op of ['selectCmDevice', 'selectCmDeviceExt'] as const) {
      const seen: string[] = [];
      let stateInfo = '';
      let pages = 0;
      do {
        const reply = await select(sub, { StateInfo: stateInfo, CmSelectionCriteria: criteria(['*']) }, op);
        const devices = devicesOf(reply);
        assert.equal(reply.SelectCmDeviceResult.TotalDevicesFound, '2500');
        assert.ok(devices.length <= 1000, `${devices.length} devices in one reply`);
        for (const node of reply.SelectCmDeviceResult.CmNodes?.item ?? [])
          assert.ok(['pub', 'sub1'].includes(node.Name));
        seen.push(...devices.map((d) => d.Name));
        stateInfo = reply.StateInfo ?? '';
        pages += 1;
      } while (stateInfo !== '' && pages < 10);
      assert.equal(pages, 3, op);
      assert.equal(seen.length, 2500, op);
      assert.equal(new Set(seen).size, 2500, `${op}: no device twice`);
    }
  });

  it('RisPort70 selects exact names and reports each device with its node, status, model and address', async () => {
    const phone = cluster.phones.list[7]!;
    const reply = await select(pub, {
      StateInfo: '',
      CmSelectionCriteria: criteria([phone.name.toLowerCase(), 'SEPFFFFFFFFFFFF']),
    });
    assert.equal(reply.SelectCmDeviceResult.TotalDevicesFound, '1');
    assert.equal(reply.StateInfo ?? '', '');
    const node = reply.SelectCmDeviceResult.CmNodes?.item?.find((n) => n.ReturnCode === 'Ok');
    assert.equal(node?.Name, phone.node);
    const [device] = node?.CmDevices?.item ?? [];
    assert.equal(device?.Name, phone.name);
    assert.equal(device?.Status, 'Registered');
    assert.equal(device?.DeviceClass, 'Phone');
    assert.equal(device?.Model, String(phone.model));
    assert.equal(device?.Protocol, 'SIP');
    assert.equal(device?.Description, phone.description);
    assert.equal(device?.TimeStamp, String(phone.timestamp));
    assert.deepEqual(device?.IPAddress.item[0], { IP: phone.ip, IPAddrType: 'ipv4', Attribute: 'Unknown' });
  });

  it('RisPort70 answers over the cluster-wide limit with HTTP 500 and Cisco’s RateControl fault, then recovers', async () => {
    await sleep(RATE_WINDOW_MS); // a fresh window
    const args = { StateInfo: '', CmSelectionCriteria: criteria(['SEP00A0C9000001']) };
    // The limit is per cluster: requests to both nodes count against it.
    await risportOn(pub).selectCmDeviceAsync(args);
    await risportOn(sub).selectCmDeviceAsync(args);
    await risportOn(pub).selectCmDeviceAsync(args);
    const err = await risportOn(sub)
      .selectCmDeviceAsync(args)
      .then(
        () => assert.fail('the fourth request in the window should be refused'),
        (e: unknown) => soapError(e),
      );
    assert.equal(err.status, 500);
    assert.equal(err.faultcode, 'ns1:Server.RateControl');
    assert.equal(
      err.faultstring,
      'AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is 3 requests per minute.',
    );
    await sleep(RATE_WINDOW_MS);
    const [reply] = await risportOn(sub).selectCmDeviceAsync(args);
    assert.equal(reply.selectCmDeviceReturn.SelectCmDeviceResult.TotalDevicesFound, '1');

    cluster.injectFault({ kind: 'risport-over-limit', count: 1 });
    await sleep(RATE_WINDOW_MS);
    assert.equal(
      soapError(
        await risportOn(pub)
          .selectCmDeviceAsync(args)
          .catch((e: unknown) => e),
      ).status,
      500,
    );
    await risportOn(pub).selectCmDeviceAsync(args);
    const events = cluster.events.list({ kind: 'risport' });
    assert.ok(events.some((e) => e.detail.fault === 'RateControl'));
    assert.ok(events.every((e) => e.actor === pub.axlUsername));
  });

  it('RisPort70 refuses a wrong password with 401', async () => {
    const err = await risportOn(pub, 'wrong')
      .selectCmDeviceAsync({ StateInfo: '', CmSelectionCriteria: criteria(['*']) })
      .catch((e: unknown) => e);
    assert.equal(soapError(err).status, 401);
  });

  // ---- AXL ---------------------------------------------------------------------------------------------------

  async function axl(ep: NodeEndpoints, op: string, inner: string, opts: { version?: string; password?: string } = {}) {
    const version = opts.version ?? '14.0';
    const envelope =
      `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/${version}">` +
      `<soapenv:Header/><soapenv:Body><ns:${op} sequence="42">${inner}</ns:${op}></soapenv:Body></soapenv:Envelope>`;
    const res = await axios.post<string>(`${base(ep)}/axl/`, envelope, {
      httpsAgent: pinned(ep, ep.name === 'oldpub' ? 'old' : 'h1'),
      auth: { username: ep.axlUsername, password: opts.password ?? ep.axlPassword },
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"CUCM:DB ver=${version} ${op}"` },
      responseType: 'text',
      validateStatus: () => true,
    });
    const parsed: unknown = res.status === 200 || res.status === 500 ? xml.parse(res.data) : undefined;
    const body = (parsed as { Envelope?: { Body?: Record<string, unknown> } } | undefined)?.Envelope?.Body;
    return { status: res.status, text: res.data, body };
  }

  const axlFault = (body: Record<string, unknown> | undefined) =>
    body?.Fault as
      | { faultstring: string; detail: { axlError: { axlcode: string; axlmessage: string; request: string } } }
      | undefined;

  const rows = (body: Record<string, unknown> | undefined): Array<Record<string, string>> => {
    const ret = (body?.executeSQLQueryResponse as { return?: { row?: unknown } } | undefined)?.return;
    const row = ret?.row;
    return (row === undefined ? [] : Array.isArray(row) ? row : [row]) as Array<Record<string, string>>;
  };

  it('AXL executeSQLQuery reads the security mode and the processnode table, and faults on SQL it does not know', async () => {
    const mode = await axl(
      pub,
      'executeSQLQuery',
      "<sql>select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'</sql>",
    );
    assert.equal(mode.status, 200);
    assert.deepEqual(rows(mode.body), [{ paramname: 'ClusterSecurityMode', paramvalue: '1' }]);
    assert.equal((mode.body?.executeSQLQueryResponse as Record<string, string>)['@_sequence'], '42');
    assert.match(mode.text, /xmlns:ns="http:\/\/www\.cisco\.com\/AXL\/API\/14\.0"/);

    const nodes = await axl(
      pub,
      'executeSQLQuery',
      '<sql>select name, tknodeusage, systemnode from processnode order by name</sql>',
    );
    assert.deepEqual(
      rows(nodes.body).map((r) => [r.name, r.tknodeusage, r.systemnode]),
      [
        ['EnterpriseWideData', '1', 't'],
        ['pub.uc.example.com', '0', 'f'],
        ['sub1.uc.example.com', '1', 'f'],
      ],
    );
    const publishers = await axl(
      pub,
      'executeSQLQuery',
      "<sql>SELECT count(*) from processnode WHERE systemnode='f' and tknodeusage= 0</sql>",
    );
    assert.deepEqual(rows(publishers.body), [{ count: '1' }]);
    const devices = await axl(pub, 'executeSQLQuery', "<sql>select count(*) from device where name like 'SEP%'</sql>");
    assert.deepEqual(rows(devices.body), [{ count: '2500' }]);

    const unknown = await axl(pub, 'executeSQLQuery', '<sql>select * from nosuchtable</sql>');
    assert.equal(unknown.status, 500);
    assert.equal(axlFault(unknown.body)?.detail.axlError.axlcode, '-206');
    assert.equal(axlFault(unknown.body)?.detail.axlError.request, 'executeSQLQuery');
    const update = await axl(pub, 'executeSQLQuery', "<sql>update device set description='x'</sql>");
    assert.equal(update.status, 500);
    assert.equal(axlFault(update.body)?.detail.axlError.axlcode, '-201');
  });

  it('AXL listProcessNode includes EnterpriseWideData; getCCMVersion gives the full version', async () => {
    const list = await axl(
      sub,
      'listProcessNode',
      '<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><nodeUsage/><processNodeRole/></returnedTags>',
    );
    assert.equal(list.status, 200);
    const items = (list.body?.listProcessNodeResponse as { return: { processNode: Array<Record<string, string>> } })
      .return.processNode;
    assert.deepEqual(
      items.map((n) => [
        n['@_uuid'] === '{00000000-1111-0000-0000-000000000000}',
        n.name,
        n.nodeUsage,
        n.processNodeRole,
      ]),
      [
        [true, 'EnterpriseWideData', 'Subscriber', 'CUCM Voice/Video'],
        [false, 'pub.uc.example.com', 'Publisher', 'CUCM Voice/Video'],
        [false, 'sub1.uc.example.com', 'Subscriber', 'CUCM Voice/Video'],
      ],
    );
    assert.equal(items[0]!.mac, undefined, 'only the returned tags asked for');

    const version = await axl(pub, 'getCCMVersion', '');
    const ret = (version.body?.getCCMVersionResponse as { return: { componentVersion: { version: string } } }).return;
    assert.equal(ret.componentVersion.version, '14.0.1.13900-155');
  });

  it('AXL listPhone pages with skip/first and returns the tags asked for', async () => {
    const page = await axl(
      pub,
      'listPhone',
      '<searchCriteria><name>SEP%</name></searchCriteria><returnedTags><name/><description/><model/><protocol/></returnedTags><skip>2000</skip><first>1000</first>',
    );
    assert.equal(page.status, 200);
    const phones = (page.body?.listPhoneResponse as { return: { phone: Array<Record<string, string>> } }).return.phone;
    assert.equal(phones.length, 500);
    const expected = cluster.phones.list[2000]!;
    assert.equal(phones[0]!.name, expected.name);
    assert.equal(phones[0]!.description, expected.description);
    assert.equal(phones[0]!.model, expected.product);
    assert.equal(phones[0]!.protocol, 'SIP');
    assert.match(phones[0]!['@_uuid'] ?? '', /^\{[0-9A-F-]{36}\}$/);

    const one = await axl(
      pub,
      'listPhone',
      `<searchCriteria><name>${expected.name.toLowerCase()}</name></searchCriteria><returnedTags><name/></returnedTags>`,
    );
    assert.deepEqual((one.body?.listPhoneResponse as { return: { phone: unknown } }).return.phone, {
      '@_uuid': phones[0]!['@_uuid'],
      name: expected.name,
    });
  });

  it('AXL listPhone writes foreign keys with their uuid, in the schema order whatever order the request asked', async () => {
    const phone = cluster.phones.list[0]!;
    const reply = await axl(
      pub,
      'listPhone',
      `<searchCriteria><name>${phone.name}</name></searchCriteria><returnedTags><securityProfileName/><devicePoolName/><callingSearchSpaceName/><name/></returnedTags>`,
    );
    const xml = reply.text;
    const row = /<phone [^>]*>(.*?)<\/phone>/s.exec(xml)?.[1] ?? '';
    // LPhone's sequence: name, ..., callingSearchSpaceName, devicePoolName, ..., securityProfileName.
    assert.deepEqual(
      [...row.matchAll(/<(\w+)[ />]/g)].map((m) => m[1]),
      ['name', 'callingSearchSpaceName', 'devicePoolName', 'securityProfileName'],
      row,
    );
    assert.match(row, /<callingSearchSpaceName\/>/, 'an empty foreign key is an empty element');
    assert.match(row, /<devicePoolName uuid="\{[0-9A-F-]{36}\}">[^<]+<\/devicePoolName>/);
    const profile = /<securityProfileName uuid="(\{[0-9A-F-]{36}\})">([^<]+)<\/securityProfileName>/.exec(row);
    assert.ok(profile, row);
    // The uuid is the profile's own, as listPhoneSecurityProfile gives it.
    const profiles = await axl(
      pub,
      'listPhoneSecurityProfile',
      '<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><deviceSecurityMode/></returnedTags>',
    );
    assert.ok(profiles.text.includes(`<phoneSecurityProfile uuid="${profile[1]}"><name>${profile[2]}</name>`));
  });

  it('AXL doDeviceReset: the phone stays registered for a while, drops, then registers again after its delay', async () => {
    const phone = cluster.phones.list[3]!;
    const reset = await axl(
      pub,
      'doDeviceReset',
      `<deviceName>${phone.name}</deviceName><isHardReset>true</isHardReset>`,
    );
    assert.equal(reset.status, 200);
    // A real phone must receive the reset and reboot: never gone at the reset's instant.
    assert.equal(phone.status, 'Registered', 'still registered right after doDeviceReset returns');
    await until(`${phone.name} to drop`, () => phone.status === 'UnRegistered');
    assert.ok(
      cluster.events
        .list({ kind: 'phone-reset' })
        .some((e) => e.detail.phone === phone.name && e.actor === pub.axlUsername),
    );
    await until(`${phone.name} to register again`, () => phone.status === 'Registered');
    const reply = await select(pub, { StateInfo: '', CmSelectionCriteria: criteria([phone.name]) });
    assert.equal(devicesOf(reply)[0]?.Status, 'Registered');

    const unknown = await axl(
      pub,
      'doDeviceReset',
      '<deviceName>SEPDEADBEEF0000</deviceName><deviceResetType>Reset</deviceResetType>',
    );
    assert.equal(unknown.status, 500);
    assert.equal(axlFault(unknown.body)?.detail.axlError.axlcode, '5007');
  });

  it('AXL answers 503 while the axl-503 fault is armed, without running the operation', async () => {
    const phone = cluster.phones.list[4]!;
    cluster.injectFault({ kind: 'axl-503', count: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await axl(
        pub,
        'doDeviceReset',
        `<deviceName>${phone.name}</deviceName><isHardReset>false</isHardReset>`,
      );
      assert.equal(res.status, 503);
      assert.match(res.text, /<html/i);
    }
    assert.equal(phone.resets, 0);
    const res = await axl(
      pub,
      'doDeviceReset',
      `<deviceName>${phone.name}</deviceName><isHardReset>false</isHardReset>`,
    );
    assert.equal(res.status, 200);
    assert.equal(phone.resets, 1);
    assert.deepEqual(
      cluster.events
        .list({ kind: 'axl' })
        .slice(-3)
        .map((e) => e.detail.result),
      ['503', '503', 'ok'],
    );
  });

  it('AXL answers its own schema and the previous two major releases, refuses others (axlcode 5003) and a wrong password (401)', async () => {
    // 14.0: 14.0, 12.x and 11.x; 12.5: 12.x, 11.x and 10.x.
    for (const version of ['11.0', '11.5', '12.0', '12.5']) {
      const answered = await axl(pub, 'getCCMVersion', '', { version });
      assert.equal(answered.status, 200, version);
      assert.match(answered.text, new RegExp(`xmlns:ns="http://www.cisco.com/AXL/API/${version.replace('.', '\\.')}"`));
    }
    for (const version of ['10.5', '15.0']) {
      const mismatch = await axl(pub, 'getCCMVersion', '', { version });
      assert.equal(mismatch.status, 500, version);
      assert.equal(axlFault(mismatch.body)?.detail.axlError.axlcode, '5003');
    }
    const old = sim.endpoints.clusters[1]!.nodes[0]!;
    assert.equal((await axl(old, 'getCCMVersion', '', { version: '10.5' })).status, 200);
    assert.equal((await axl(old, 'getCCMVersion', '', { version: '14.0' })).status, 500);
    assert.equal((await axl(pub, 'getCCMVersion', '', { password: 'wrong' })).status, 401);
  });

  // ---- Control Center Services -------------------------------------------------------------------------------

  function controlCenterOn(ep: NodeEndpoints): ControlCenterClient {
    cc.setSecurity(new soap.BasicAuthSecurity(ep.axlUsername, ep.axlPassword, { httpsAgent: pinned(ep) }));
    cc.setEndpoint(`${base(ep)}${CC_PATH}`);
    return cc;
  }

  async function status(ep: NodeEndpoints, names: string | string[]): Promise<ServiceInformation[]> {
    const [reply] = await controlCenterOn(ep).soapGetServiceStatusAsync({ ServiceStatus: names });
    return reply.soapGetServiceStatusReturn.ServiceInfoList?.item ?? [];
  }

  it('Control Center lists every service of the node for an empty request', async () => {
    const all = await status(sub, '');
    const node = cluster.node('sub1');
    assert.equal(all.length, node.services.size);
    const tftp = all.find((s) => s.ServiceName === 'Cisco Tftp');
    assert.equal(tftp?.ServiceStatus, 'Started');
    assert.ok((tftp?.UpTime ?? -1) >= 0);
    const capf = all.find((s) => s.ServiceName === 'Cisco Certificate Authority Proxy Function');
    assert.equal(capf?.ServiceStatus, 'Stopped');
    assert.equal(capf?.ReasonCodeString, 'Service Not Activated');
    assert.equal(capf?.ReasonCode, -1068);
  });

  it('Control Center restarts Cisco Tftp (Stopping, Starting, Started) and refuses Cisco Tomcat', async () => {
    const [reply] = await controlCenterOn(sub).soapDoControlServicesAsync({
      ControlServiceRequest: {
        NodeName: 'sub1.uc.example.com',
        ControlType: 'Restart',
        ServiceList: { item: ['Cisco Tftp'] },
      },
    });
    assert.equal(reply.soapDoControlServicesReturn.ReturnCode, '0');
    assert.equal(reply.soapDoControlServicesReturn.ServiceInfoList?.item?.[0]?.ServiceStatus, 'Stopping');
    const seen: string[] = [];
    await until('Cisco Tftp to be Started', async () => {
      const [tftp] = await status(sub, ['Cisco Tftp']);
      if (seen[seen.length - 1] !== tftp?.ServiceStatus) seen.push(tftp?.ServiceStatus ?? '?');
      return tftp?.ServiceStatus === 'Started';
    });
    assert.equal(seen[seen.length - 1], 'Started');
    assert.ok(
      seen.every((s) => ['Stopping', 'Starting', 'Started'].includes(s)),
      seen.join(','),
    );
    assert.deepEqual(
      cluster.events
        .list({ node: 'sub1', kind: 'service-state' })
        .filter((e) => e.detail.service === 'Cisco Tftp')
        .map((e) => e.detail.state),
      ['STOPPING', 'STARTING', 'STARTED'],
    );

    const [refused] = await controlCenterOn(sub).soapDoControlServicesAsync({
      ControlServiceRequest: { NodeName: '', ControlType: 'Restart', ServiceList: { item: ['Cisco Tomcat'] } },
    });
    assert.notEqual(refused.soapDoControlServicesReturn.ReturnCode, '0');
    assert.match(refused.soapDoControlServicesReturn.ReasonString ?? '', /Cisco Tomcat cannot be/);
    assert.equal(cluster.node('sub1').serviceState('Cisco Tomcat'), 'STARTED');
  });

  // ---- the served certificate --------------------------------------------------------------------------------

  function servedSerial(ep: NodeEndpoints): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: ep.host, port: ep.httpsPort, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().serialNumber.toUpperCase());
        socket.end();
      });
      socket.once('error', reject);
    });
  }

  it('serves the old tomcat certificate after a regeneration, and the new one once Cisco Tomcat has restarted', async () => {
    const node = cluster.node('pub');
    const before = node.certificate('tomcat').serial;
    assert.equal(await servedSerial(pub), before);
    const regenerated = await cluster.regenerate(node, 'tomcat', 'test');
    assert.equal(await servedSerial(pub), before);

    const restart = cluster.restartService(node, 'Cisco Tomcat', 'test');
    // While Tomcat restarts, the node takes no HTTPS connections.
    await assert.rejects(servedSerial(pub));
    await restart;
    assert.equal(await servedSerial(pub), regenerated.serial);
  });

  // ---- certificate REST API ----------------------------------------------------------------------------------

  function rest(ep: NodeEndpoints, password = ep.password, clusterId = 'h1') {
    return axios.create({
      baseURL: `${base(ep)}${CERTMGR}`,
      httpsAgent: pinned(ep, clusterId),
      auth: { username: ep.username, password },
      validateStatus: () => true,
    });
  }

  it('certificate API: CSR, CA-signed upload refused until the root is trusted, then installed', async () => {
    const node = cluster.node('sub1');
    const api = rest(sub);
    const ca = await createCertificate({
      commonName: 'Test Enterprise Root CA',
      organizationalUnit: 'PKI',
      validityDays: 365,
      isCa: true,
    });

    const csr = await api.post<{ csr: string }>('/csr', {
      service: 'tomcat',
      distribution: 'this-server',
      commonName: 'sub1.uc.example.com',
      keyType: 'rsa',
      keyLength: 2048,
    });
    assert.equal(csr.status, 200);
    assert.match(csr.data.csr, /BEGIN CERTIFICATE REQUEST/);
    const leaf = signCsr(csr.data.csr, ca);

    const untrusted = await api.post<{ message: string }>('/identity/certificates', {
      service: 'tomcat',
      certificates: [leaf, ca.pem],
    });
    assert.equal(untrusted.status, 400);
    assert.match(untrusted.data.message, /tomcat-trust/);

    const trust = await api.post('/trust/certificates', {
      service: ['tomcat'],
      certificates: [ca.pem],
      description: 'Enterprise root',
    });
    assert.equal(trust.status, 200);
    const trusted = await api.get<{ certificate_data: Array<{ filename: string }> }>('/trust/certificate', {
      params: { service: 'tomcat' },
    });
    assert.ok(
      trusted.data.certificate_data.some(
        (c) => c.filename === `Test_Enterprise_Root_CA_${ca.serial.toLowerCase()}.pem`,
      ),
    );

    const installed = await api.post('/identity/certificates', { service: 'tomcat', certificates: [leaf, ca.pem] });
    assert.equal(installed.status, 200, JSON.stringify(installed.data));
    const serial = new X509Certificate(leaf).serialNumber.toUpperCase();
    const identity = await api.get<{ certificate: string }>('/identity/certificate', { params: { service: 'tomcat' } });
    assert.equal(new X509Certificate(identity.data.certificate).serialNumber.toUpperCase(), serial);
    assert.equal(node.certificate('tomcat').serial, serial);
    const snapshot = await api.get<{ identities: Array<{ service: string; certificate: string }> }>('/snapshot/server');
    assert.equal(snapshot.data.identities.find((i) => i.service === 'tomcat')?.certificate, identity.data.certificate);
    assert.ok(
      cluster.events.list({ node: 'sub1', kind: 'cert-imported' }).some((e) => e.detail.serialAfter === serial),
    );

    // Served after the Tomcat restart, and then verifiable with the enterprise CA alone.
    await cluster.restartService(node, 'Cisco Tomcat', 'test');
    const res = await axios.get(`${base(sub)}/axl/`, {
      httpsAgent: new Agent({ ca: ca.pem, checkServerIdentity: () => undefined }),
      auth: { username: sub.axlUsername, password: sub.axlPassword },
    });
    assert.equal(res.status, 200);
  });

  it('certificate API: a wrong password gets 401 with the platform realm; pre-14 nodes have no such API', async () => {
    const denied = await rest(pub, 'wrong').get('/snapshot/server');
    assert.equal(denied.status, 401);
    assert.equal(denied.headers['www-authenticate'], 'Basic realm="CMPlatform Realm"');
    const old = sim.endpoints.clusters[1]!.nodes[0]!;
    assert.equal((await rest(old, old.password, 'old').get('/snapshot/server')).status, 404);
  });

  it('a node that is down drops connections until it is back', async () => {
    const get = () =>
      axios.get(`${base(pub)}/axl/`, {
        httpsAgent: pinned(pub),
        auth: { username: pub.axlUsername, password: pub.axlPassword },
      });
    cluster.injectFault({ kind: 'node-down', node: 'pub', down: true });
    await assert.rejects(get(), (err: unknown) => axios.isAxiosError(err) && err.response === undefined);
    cluster.injectFault({ kind: 'node-down', node: 'pub', down: false });
    assert.equal((await get()).status, 200);
  });
});
