/**
 * Mounts a WSDL-described SOAP service (Cisco's own WSDL files in cisco-wsdl/, unchanged) on the node's HTTPS
 * server with node-soap. Each WSDL file is read once per process; node-soap parses it per node (a few ms).
 */
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { listen, type IServices, type Server as SoapServer, type WSDL } from 'soap';

type CiscoWsdl = 'RISService70.wsdl' | 'ControlCenterServices.wsdl' | 'PerfmonService.wsdl';

const WSDL_DIR = join(__dirname, '..', '..', 'cisco-wsdl');
const wsdlText = new Map<CiscoWsdl, string>();

function loadWsdl(file: CiscoWsdl): string {
  let text = wsdlText.get(file);
  if (text === undefined) {
    text = readFileSync(join(WSDL_DIR, file), 'utf8');
    wsdlText.set(file, text);
  }
  return text;
}

/**
 * Resolves once node-soap has parsed the WSDL and hooked the server's request listener (requests to other paths
 * go on to the listeners that were there before).
 */
export function mountSoapService(
  server: HttpsServer,
  path: string,
  wsdl: CiscoWsdl,
  services: IServices,
): Promise<SoapServer> {
  return new Promise((resolve, reject) => {
    listen(server, {
      path,
      services,
      xml: loadWsdl(wsdl),
      // Axis, which serves these on CUCM, names the envelope prefix soapenv (fault codes like soapenv:Server.RateControl).
      envelopeKey: 'soapenv',
      suppressStack: true,
      callback: (err: unknown, soapServer: SoapServer) => {
        if (err) return reject(err instanceof Error ? err : new Error(`cannot load ${wsdl}`));
        // Axis declares xsi (and xsd) on every envelope. Cisco's WSDLs do not, so node-soap would send xsi:nil on a
        // prefix no element declares: XML that a strict parser (lxml, under zeep) refuses outright.
        // (node-soap keeps `wsdl` private; its xmlnsInEnvelope is the public hook for the envelope's namespaces.)
        const w = (soapServer as unknown as { wsdl: WSDL }).wsdl;
        for (const [prefix, uri] of [
          ['xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
          ['xsd', 'http://www.w3.org/2001/XMLSchema'],
        ] as const) {
          if (!w.xmlnsInEnvelope.includes(`xmlns:${prefix}=`)) w.xmlnsInEnvelope += ` xmlns:${prefix}="${uri}"`;
        }
        resolve(soapServer);
      },
    });
  });
}
