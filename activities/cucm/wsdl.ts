import { join } from 'node:path';

/** Cisco's WSDLs, unchanged, shared by the product's SOAP clients and the simulator's endpoints. */
export const WSDL = {
  risport: join(__dirname, '..', '..', 'cisco-wsdl', 'RISService70.wsdl'),
  perfmon: join(__dirname, '..', '..', 'cisco-wsdl', 'PerfmonService.wsdl'),
  controlCenter: join(__dirname, '..', '..', 'cisco-wsdl', 'ControlCenterServices.wsdl'),
};
