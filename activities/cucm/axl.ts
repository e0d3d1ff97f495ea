/**
 * AXL client (axios): hand-built SOAP envelopes for the few operations the procedures need, with the
 * `SOAPAction: "CUCM:DB ver=<x.y> <operation>"` header, parsed with fast-xml-parser. AXL's WSDL/XSD are several MB
 * and carry a "CISCO CONFIDENTIAL" header, so we do not load them (reference section 4). HTTP 503 (AXL throttling)
 * is a retryable error; a SOAP fault carries its axlcode.
 */
import axios, { type AxiosInstance } from 'axios';
import { XMLParser } from 'fast-xml-parser';
import { asArray, fkText, optionalText, text, type Xml } from './xml';
import { classifyHttpError, CucmHttpError, type HttpsTrust } from './errors';
import { recordSent } from './evidence';

interface AxlTarget extends HttpsTrust {
  label: string;
  baseUrl: string; // https://host:8443
  username: string;
  password: string;
  /** "14.0": AXL's schema version; must match the node's major.minor. */
  version: string;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
});

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

interface AxlPhone {
  name: string;
  description?: string;
  model?: string;
  protocol?: string;
}

export class AxlClient {
  private readonly http: AxiosInstance;

  constructor(private readonly target: AxlTarget) {
    this.http = axios.create({
      baseURL: target.baseUrl,
      timeout: 60_000,
      auth: { username: target.username, password: target.password },
    });
  }

  private async call(operation: string, inner: string): Promise<Xml> {
    const ns = `http://www.cisco.com/AXL/API/${this.target.version}`;
    const envelope = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="${ns}"><soapenv:Header/><soapenv:Body><ns:${operation}>${inner}</ns:${operation}></soapenv:Body></soapenv:Envelope>`;
    let data: string;
    recordSent('axl', this.target.node ?? this.target.label, operation, [this.target.password]);
    try {
      const response = await this.http.post<string>('/axl/', envelope, {
        httpsAgent: await this.target.agent(),
        responseType: 'text',
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          SOAPAction: `"CUCM:DB ver=${this.target.version} ${operation}"`,
        },
        validateStatus: (s) => s === 200 || s === 500,
      });
      data = response.data;
      const parsed = parser.parse(data) as Xml;
      const body = (parsed.Envelope as Xml | undefined)?.Body as Xml | undefined;
      const fault = body?.Fault as Xml | undefined;
      if (fault) {
        const axlError = ((fault.detail as Xml | undefined)?.axlError ?? {}) as Xml;
        const code = Number(axlError.axlcode ?? NaN);
        throw new CucmHttpError(
          'fault',
          `${this.target.label}: AXL ${operation} failed: ${text(axlError.axlmessage ?? fault.faultstring, 'SOAP fault')}`,
          response.status,
          Number.isNaN(code) ? undefined : code,
        );
      }
      const result = body?.[`${operation}Response`] as Xml | undefined;
      if (!result)
        throw new CucmHttpError('fault', `${this.target.label}: AXL ${operation} returned no ${operation}Response`);
      return result;
    } catch (err) {
      throw classifyHttpError(`${this.target.label}: AXL ${operation}`, err, this.target);
    }
  }

  async executeSqlQuery(sql: string): Promise<Array<Record<string, string>>> {
    const result = await this.call('executeSQLQuery', `<sql>${escapeXml(sql)}</sql>`);
    return asArray((result.return as Xml | undefined)?.row as Xml | Xml[] | undefined).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)])),
    );
  }

  async getCcmVersion(): Promise<string> {
    const result = await this.call('getCCMVersion', '');
    return String(
      (((result.return as Xml | undefined)?.componentVersion as Xml | undefined)?.version as string | undefined) ?? '',
    );
  }

  async listProcessNodes(): Promise<Array<{ name: string; nodeUsage: string; role: string }>> {
    const result = await this.call(
      'listProcessNode',
      '<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><nodeUsage/><processNodeRole/></returnedTags>',
    );
    return asArray((result.return as Xml | undefined)?.processNode as Xml | Xml[] | undefined)
      .map((n) => ({
        name: text(n.name),
        nodeUsage: text(n.nodeUsage),
        role: text(n.processNodeRole),
      }))
      .filter((n) => n.name !== 'EnterpriseWideData');
  }

  /** One page of phones (AXL pages with `first` and `skip`). */
  async listPhones(first: number, skip: number, namePattern = '%'): Promise<AxlPhone[]> {
    const result = await this.call(
      'listPhone',
      `<searchCriteria><name>${escapeXml(namePattern)}</name></searchCriteria><returnedTags><name/><description/><model/><protocol/></returnedTags><skip>${skip}</skip><first>${first}</first>`,
    );
    return asArray((result.return as Xml | undefined)?.phone as Xml | Xml[] | undefined).map((p) => ({
      name: text(p.name),
      description: optionalText(p.description),
      model: optionalText(p.model),
      protocol: optionalText(p.protocol),
    }));
  }

  /**
   * The names of phones with an authenticated or encrypted security profile (listPhoneSecurityProfile gives each
   * profile's deviceSecurityMode; listPhone each phone's securityProfileName), sorted.
   */
  async securePhoneNames(pageSize = 5000): Promise<string[]> {
    const profiles = await this.call(
      'listPhoneSecurityProfile',
      '<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><deviceSecurityMode/></returnedTags>',
    );
    const secure = new Set(
      asArray((profiles.return as Xml | undefined)?.phoneSecurityProfile as Xml | Xml[] | undefined)
        .filter((p) => !/^non[- ]?secure$/i.test(text(p.deviceSecurityMode)))
        .map((p) => text(p.name)),
    );
    const names: string[] = [];
    for (let skip = 0; ; skip += pageSize) {
      const result = await this.call(
        'listPhone',
        `<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><securityProfileName/></returnedTags><skip>${skip}</skip><first>${pageSize}</first>`,
      );
      const page = asArray((result.return as Xml | undefined)?.phone as Xml | Xml[] | undefined);
      names.push(...page.filter((p) => secure.has(fkText(p.securityProfileName))).map((p) => text(p.name)));
      if (page.length < pageSize) break;
    }
    return names.sort();
  }

  /** Each phone's device pool (listPhone devicePoolName, a foreign key: read with its uuid attribute or without). */
  async phoneDevicePools(pageSize = 5000): Promise<Map<string, string>> {
    const pools = new Map<string, string>();
    for (let skip = 0; ; skip += pageSize) {
      const result = await this.call(
        'listPhone',
        `<searchCriteria><name>%</name></searchCriteria><returnedTags><name/><devicePoolName/></returnedTags><skip>${skip}</skip><first>${pageSize}</first>`,
      );
      const page = asArray((result.return as Xml | undefined)?.phone as Xml | Xml[] | undefined);
      for (const p of page) pools.set(text(p.name), fkText(p.devicePoolName));
      if (page.length < pageSize) break;
    }
    return pools;
  }

  /** Every phone name, sorted, paging through listPhone. */
  async allPhoneNames(pageSize = 5000): Promise<string[]> {
    const names: string[] = [];
    for (let skip = 0; ; skip += pageSize) {
      const page = await this.listPhones(pageSize, skip);
      names.push(...page.map((p) => p.name));
      if (page.length < pageSize) break;
    }
    return names.sort();
  }

  /** doDeviceReset: a hard reset (reboot) by default, a soft restart with `hard: false`. */
  async resetDevice(deviceName: string, hard = true): Promise<void> {
    await this.call(
      'doDeviceReset',
      `<deviceName>${escapeXml(deviceName)}</deviceName><isHardReset>${hard}</isHardReset>`,
    );
  }
  /**
   * The cluster's CallManager redundancy as AXL 14.0 models it (AXLSoap.xsd): listCallManager (each CallManager's
   * processNodeName), listCallManagerGroup (names only: LCallManagerGroup has no members), getCallManagerGroup per
   * group (members/member{callManagerName, priority}) and listDevicePool (callManagerGroupName).
   */
  async callManagerRedundancy(): Promise<AxlCallManagerRedundancy> {
    const any = '<searchCriteria><name>%</name></searchCriteria>';
    const cms = await this.call('listCallManager', `${any}<returnedTags><name/><processNodeName/></returnedTags>`);
    const callManagers = asArray((cms.return as Xml | undefined)?.callManager as Xml | Xml[] | undefined).map((c) => ({
      name: fkText(c.name),
      processNodeName: fkText(c.processNodeName),
    }));
    const list = await this.call('listCallManagerGroup', `${any}<returnedTags><name/></returnedTags>`);
    const groups: AxlCallManagerRedundancy['groups'] = [];
    for (const g of asArray((list.return as Xml | undefined)?.callManagerGroup as Xml | Xml[] | undefined)) {
      const name = fkText(g.name);
      const got = await this.call(
        'getCallManagerGroup',
        `<name>${escapeXml(name)}</name><returnedTags><name/><members><member><callManagerName/><priority/></member></members></returnedTags>`,
      );
      const group = ((got.return as Xml | undefined)?.callManagerGroup ?? {}) as Xml;
      const members = asArray((group.members as Xml | undefined)?.member as Xml | Xml[] | undefined)
        .map((m) => ({ callManagerName: fkText(m.callManagerName), priority: Number(text(m.priority, 'NaN')) }))
        .sort((a, b) => a.priority - b.priority);
      groups.push({ name, members });
    }
    const pools = await this.call(
      'listDevicePool',
      `${any}<returnedTags><name/><callManagerGroupName/></returnedTags>`,
    );
    const devicePools = asArray((pools.return as Xml | undefined)?.devicePool as Xml | Xml[] | undefined).map((p) => ({
      name: fkText(p.name),
      callManagerGroupName: fkText(p.callManagerGroupName),
    }));
    return { callManagers, groups, devicePools };
  }
}

interface AxlCallManagerRedundancy {
  callManagers: Array<{ name: string; processNodeName: string }>;
  /** Members sorted by priority (1 = primary). */
  groups: Array<{ name: string; members: Array<{ callManagerName: string; priority: number }> }>;
  devicePools: Array<{ name: string; callManagerGroupName: string }>;
}
