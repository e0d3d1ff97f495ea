/**
 * The Control Center catalogue of a simulated node, read with node-soap built from Cisco's ControlCenterServices.wsdl:
 * each service with its group and type (simulator/facts/services.ts), and the restart Cisco's DevNet sample sends
 * (services_doControlServices.py: ['Cisco CDR Agent', 'Cisco DRF Local'], then soapGetServiceStatus until Started).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { join } from 'node:path';
import * as soap from 'soap';
import { startSimulator, type NodeEndpoints, type RunningSimulator } from '../../simulator/cluster-runner';

const WSDL = join(__dirname, '..', '..', 'cisco-wsdl', 'ControlCenterServices.wsdl');
const CC_PATH = '/controlcenterservice2/services/ControlCenterServices';

interface ServiceSpecification {
  ServiceName: string;
  ServiceType: string;
  Deployable: boolean;
  GroupName: string;
}
interface ServiceInformation {
  ServiceName: string;
  ServiceStatus: string;
}
interface ControlCenterClient {
  setEndpoint(url: string): void;
  setSecurity(security: soap.ISecurity): void;
  soapGetStaticServiceListAsync(
    args: object,
  ): Promise<[{ soapGetStaticServiceListReturn: { Services?: { item?: ServiceSpecification[] } } }, string]>;
  soapGetServiceStatusAsync(
    args: object,
  ): Promise<[{ soapGetServiceStatusReturn: { ServiceInfoList?: { item?: ServiceInformation[] } } }, string]>;
  soapDoControlServicesAsync(
    args: object,
  ): Promise<[{ soapDoControlServicesReturn: { ReturnCode: string; ReasonString?: string } }, string]>;
}

describe('simulator Control Center catalogue', function () {
  this.timeout(60_000);
  let sim: RunningSimulator;
  let cc: ControlCenterClient;
  let sub: NodeEndpoints;

  before(async () => {
    sim = await startSimulator(
      [
        {
          id: 'cc14',
          version: '14.0.1.13900-155',
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
        },
      ],
      { timeScale: 0.01 },
    );
    sub = sim.endpoints.clusters[0]!.nodes[1]!;
    cc = (await soap.createClientAsync(WSDL)) as unknown as ControlCenterClient;
    const tomcat = sim.cluster('cc14').node('sub1').activeCertificate('tomcat').pem;
    cc.setSecurity(
      new soap.BasicAuthSecurity(sub.axlUsername, sub.axlPassword, {
        httpsAgent: new Agent({ ca: tomcat, checkServerIdentity: () => undefined }),
      }),
    );
    cc.setEndpoint(`https://${sub.host}:${sub.httpsPort}${CC_PATH}`);
  });
  after(() => sim?.stop());

  it('lists every service with its Control Center group and a ServiceType of the WSDL', async () => {
    const [reply] = await cc.soapGetStaticServiceListAsync({ ServiceInformationResponse: '' });
    const items = reply.soapGetStaticServiceListReturn.Services?.item ?? [];
    assert.ok(items.length > 20, `${items.length} services`);
    for (const s of items) {
      assert.notEqual(s.GroupName, '', `${s.ServiceName} has a group`);
      assert.ok(['Service', 'Servlet'].includes(s.ServiceType), `${s.ServiceName}: ${s.ServiceType}`);
    }
    const byName = new Map(items.map((s) => [s.ServiceName, s]));
    assert.equal(byName.get('Cisco CDR Agent')?.GroupName, 'CDR Services');
    assert.equal(byName.get('Cisco DRF Local')?.GroupName, 'Backup and Restore Services');
    assert.equal(byName.get('Cisco Tomcat')?.Deployable, false);
    assert.equal(byName.get('Cisco DRF Master'), undefined, 'DRF Master runs on the publisher only');
  });

  it("restarts DevNet's sample list and reports both Started", async () => {
    const services = ['Cisco CDR Agent', 'Cisco DRF Local'];
    const [reply] = await cc.soapDoControlServicesAsync({
      ControlServiceRequest: { NodeName: '', ControlType: 'Restart', ServiceList: { item: services } },
    });
    assert.equal(reply.soapDoControlServicesReturn.ReturnCode, '0', reply.soapDoControlServicesReturn.ReasonString);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [status] = await cc.soapGetServiceStatusAsync({ ServiceStatus: services });
      const states = (status.soapGetServiceStatusReturn.ServiceInfoList?.item ?? []).map((s) => s.ServiceStatus);
      if (states.length === 2 && states.every((s) => s === 'Started')) break;
      assert.ok(Date.now() < deadline, `still ${states.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
